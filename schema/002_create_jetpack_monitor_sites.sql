-- Fresh-install shape of the v1 sites table. An existing production v1 table (varchar(300) URLs,
-- its own indexes) is left exactly as it is, rows included: IF NOT EXISTS.
CREATE TABLE IF NOT EXISTS jetpack_monitor_sites (
  jetpack_monitor_site_id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  blog_id BIGINT UNSIGNED NOT NULL,
  bucket_no SMALLINT UNSIGNED NOT NULL DEFAULT 0,
  monitor_url VARCHAR(2083) NOT NULL DEFAULT '',
  monitor_active TINYINT UNSIGNED NOT NULL DEFAULT 0,
  site_status TINYINT NOT NULL DEFAULT 1,
  last_status_change DATETIME NULL,
  check_interval SMALLINT UNSIGNED NOT NULL DEFAULT 5,
  INDEX idx_bucket_active (bucket_no, monitor_active)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
