ALTER TABLE jetpack_monitor_sites
  ADD COLUMN last_checked_at DATETIME NULL,
  ADD COLUMN last_alert_sent_at DATETIME NULL,
  ADD INDEX idx_bucket_monitor_last_checked (bucket_no, monitor_active, last_checked_at);
