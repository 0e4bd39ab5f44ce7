-- The eight v2 per-site settings; works on both the fresh-install and the production v1 shape.
ALTER TABLE jetpack_monitor_sites
  ADD COLUMN ssl_expiry_date DATE NULL,
  ADD COLUMN check_keyword VARCHAR(500) NULL,
  ADD COLUMN maintenance_start DATETIME NULL,
  ADD COLUMN maintenance_end DATETIME NULL,
  ADD COLUMN custom_headers JSON NULL,
  ADD COLUMN timeout_seconds TINYINT UNSIGNED NULL,
  ADD COLUMN redirect_policy ENUM('follow','alert','fail') NULL DEFAULT 'follow',
  ADD COLUMN alert_cooldown_minutes SMALLINT UNSIGNED NULL;
