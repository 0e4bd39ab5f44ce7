-- Durable outbox of WPCOM status-change notices (product decision 5, docs/notify.md).
-- One row per notice and per sending host. notice_key (SHA-256 of the payload) is unique, so a
-- notice is stored once however often it is submitted or retried. Rows are sent in id order.
-- The payload is stored verbatim as text: a JSON column would be normalized by MySQL 8, which
-- reorders keys, and the field order of the WPCOM payload must be kept.
CREATE TABLE IF NOT EXISTS jetmon_wpcom_outbox (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  host_id VARCHAR(255) NOT NULL,
  notice_key CHAR(64) NOT NULL,
  blog_id BIGINT UNSIGNED NOT NULL,
  status_id TINYINT UNSIGNED NOT NULL,
  status_type VARCHAR(32) NOT NULL DEFAULT '',
  payload MEDIUMTEXT NOT NULL,
  state ENUM('pending','queued','delivered','failed') NOT NULL DEFAULT 'pending',
  attempts INT UNSIGNED NOT NULL DEFAULT 0,
  created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  queued_at TIMESTAMP NULL,
  last_attempt_at TIMESTAMP NULL,
  last_error VARCHAR(1024) NULL,
  delivered_at TIMESTAMP NULL,
  UNIQUE KEY uk_notice_key (notice_key),
  INDEX idx_host_state_id (host_id, state, id),
  INDEX idx_blog_id_created (blog_id, created_at),
  INDEX idx_state_created (state, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
