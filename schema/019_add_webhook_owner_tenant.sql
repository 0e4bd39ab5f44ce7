ALTER TABLE jetmon_webhooks
  ADD COLUMN owner_tenant_id VARCHAR(128) NULL AFTER active,
  ADD INDEX idx_owner_tenant_id (owner_tenant_id);
