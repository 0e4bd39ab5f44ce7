-- Bookkeeping: one row per applied migration. Always re-run by the runner (IF NOT EXISTS).
CREATE TABLE IF NOT EXISTS jetmon_schema_migrations (
  id INT UNSIGNED NOT NULL PRIMARY KEY,
  applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
