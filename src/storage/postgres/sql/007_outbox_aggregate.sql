-- Schema version 7: the events of one aggregate are found by index (the same as the SQLite
-- backend's version 7, see sqlite/sql/007_outbox_aggregate.sql). Built in the migration's
-- transaction: on a large outbox, upgrade when writes can wait for it.
CREATE INDEX idx_outbox_aggregate ON outbox (aggregate_id, seq);

-- This file is migration 7: the library applies it in one transaction and records it.
INSERT INTO schema_version (version) VALUES (7);
