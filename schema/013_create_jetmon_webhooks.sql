-- secret is the plaintext signing key (it must be recoverable to sign); secret_preview = last 4.
CREATE TABLE IF NOT EXISTS jetmon_webhooks (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  url VARCHAR(2083) NOT NULL,
  active TINYINT UNSIGNED NOT NULL DEFAULT 1,
  events JSON NULL,
  site_filter JSON NULL,
  state_filter JSON NULL,
  secret VARCHAR(80) NOT NULL,
  secret_preview VARCHAR(8) NOT NULL DEFAULT '',
  created_by VARCHAR(128) NOT NULL DEFAULT '',
  created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  INDEX idx_active (active)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
