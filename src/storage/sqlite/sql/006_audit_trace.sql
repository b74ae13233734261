-- libw3wallet SQLite schema, migration 6: audit records keep the trace they were written in.
--
-- trace_id is the W3C trace id (32 lowercase hex) of the command's trace, NULL when it ran in
-- none, as every record written before this version did. The chain's hash covers it when it is
-- set (src/core/audit.c), so the records sealed before stay valid as they are.
ALTER TABLE audit_log ADD COLUMN trace_id TEXT;

-- This file is migration 6: the library applies it in one transaction and records it.
INSERT INTO schema_version (version, applied_at)
  VALUES (6, CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER));
