-- First (v1) audit-log shape: per-check fields inline, blog_id required, free-text detail.
-- Migration 9 reshapes it into the operational-only log.
CREATE TABLE IF NOT EXISTS jetmon_audit_log (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  blog_id BIGINT UNSIGNED NOT NULL,
  event_type VARCHAR(64) NOT NULL,
  source VARCHAR(255) NOT NULL DEFAULT 'local',
  http_code SMALLINT NULL,
  error_code TINYINT NULL,
  rtt_ms INT NULL,
  old_status TINYINT NULL,
  new_status TINYINT NULL,
  detail TEXT NULL,
  metadata JSON NULL,
  created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  INDEX idx_blog_id_created (blog_id, created_at),
  INDEX idx_event_type_created (event_type, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
