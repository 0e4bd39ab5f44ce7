-- Dynamic bucket leases: one row per monitor host.
CREATE TABLE IF NOT EXISTS jetmon_hosts (
  host_id VARCHAR(255) NOT NULL PRIMARY KEY,
  bucket_min SMALLINT UNSIGNED NOT NULL,
  bucket_max SMALLINT UNSIGNED NOT NULL,
  last_heartbeat TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  status ENUM('active','draining') NOT NULL DEFAULT 'active'
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
