-- Operational-only audit log: per-check fields move out (check history and events hold them),
-- rows may concern no blog, rows may point at an event, detail is bounded.
ALTER TABLE jetmon_audit_log
  DROP COLUMN http_code,
  DROP COLUMN error_code,
  DROP COLUMN rtt_ms,
  DROP COLUMN old_status,
  DROP COLUMN new_status,
  MODIFY COLUMN blog_id BIGINT UNSIGNED NULL,
  ADD COLUMN event_id BIGINT UNSIGNED NULL AFTER blog_id,
  MODIFY COLUMN detail VARCHAR(1024) NULL,
  ADD INDEX idx_event_id (event_id);
