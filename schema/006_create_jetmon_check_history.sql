CREATE TABLE IF NOT EXISTS jetmon_check_history (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  blog_id BIGINT UNSIGNED NOT NULL,
  http_code SMALLINT NULL,
  error_code TINYINT NULL,
  rtt_ms INT NULL,
  dns_ms INT NULL,
  tcp_ms INT NULL,
  tls_ms INT NULL,
  ttfb_ms INT NULL,
  checked_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  INDEX idx_blog_id_checked (blog_id, checked_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
