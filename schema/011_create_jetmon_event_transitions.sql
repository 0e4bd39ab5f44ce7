-- Every change of an event; also the bus the webhook and alert dispatchers read.
CREATE TABLE IF NOT EXISTS jetmon_event_transitions (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  event_id BIGINT UNSIGNED NOT NULL,
  blog_id BIGINT UNSIGNED NOT NULL,
  severity_before TINYINT UNSIGNED NULL,
  severity_after TINYINT UNSIGNED NULL,
  state_before VARCHAR(32) NULL,
  state_after VARCHAR(32) NULL,
  reason VARCHAR(64) NOT NULL,
  source VARCHAR(255) NOT NULL DEFAULT 'local',
  metadata JSON NULL,
  changed_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  INDEX idx_event_id_changed (event_id, changed_at),
  INDEX idx_blog_id_changed (blog_id, changed_at),
  INDEX idx_changed_at (changed_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
