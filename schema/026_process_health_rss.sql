-- True OS resident set size (from /proc), next to the allocator figure.
ALTER TABLE jetmon_process_health
  ADD COLUMN rss_mem_mb INT UNSIGNED NOT NULL DEFAULT 0 AFTER go_sys_mem_mb;
