ALTER TABLE jetmon_webhook_deliveries
  ADD INDEX idx_status_delivered_at (status, delivered_at),
  ADD INDEX idx_status_last_attempt_at (status, last_attempt_at),
  ADD INDEX idx_status_created_at (status, created_at);
