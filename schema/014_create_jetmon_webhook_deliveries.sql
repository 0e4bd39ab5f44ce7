-- One row per (webhook, transition); payload is frozen at enqueue time.
CREATE TABLE IF NOT EXISTS jetmon_webhook_deliveries (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  webhook_id BIGINT UNSIGNED NOT NULL,
  transition_id BIGINT UNSIGNED NOT NULL,
  event_id BIGINT UNSIGNED NOT NULL,
  event_type VARCHAR(64) NOT NULL,
  payload JSON NOT NULL,
  status ENUM('pending','delivered','failed','abandoned') NOT NULL DEFAULT 'pending',
  attempt INT UNSIGNED NOT NULL DEFAULT 0,
  next_attempt_at TIMESTAMP NULL,
  last_status_code INT NULL,
  last_response VARCHAR(2048) NULL,
  last_attempt_at TIMESTAMP NULL,
  delivered_at TIMESTAMP NULL,
  created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  UNIQUE KEY uk_webhook_transition (webhook_id, transition_id),
  INDEX idx_status_next_attempt (status, next_attempt_at),
  INDEX idx_webhook_id_created (webhook_id, created_at),
  INDEX idx_event_id (event_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
