-- Lifecycle (state) and health (health_status) are separate; the memory figure gets its honest name.
ALTER TABLE jetmon_process_health
  ADD COLUMN health_status VARCHAR(16) NOT NULL DEFAULT 'green' AFTER state,
  CHANGE COLUMN mem_rss_mb go_sys_mem_mb INT UNSIGNED NOT NULL DEFAULT 0,
  ADD INDEX idx_health_status_updated (health_status, updated_at);
