-- libw3wallet SQLite schema, migration 4: audit records are found by id.
--
-- An audit record is stored once per id: an append repeated after an answer
-- that never came must not write the record twice (PostgreSQL has the same
-- through its primary key). The append looks the id up through this index.
-- Not UNIQUE: a database written before this version may already hold a
-- repeated id in its sealed chain, which must not be rewritten.
CREATE INDEX idx_audit_log_id ON audit_log(id);

-- This file is migration 4: the library applies it in one transaction and records it.
INSERT INTO schema_version (version, applied_at)
  VALUES (4, CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER));
