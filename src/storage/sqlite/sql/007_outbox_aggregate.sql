-- libw3wallet SQLite schema, migration 7: the events of one aggregate are found by index.
--
-- An order's events (order.*, claim.*: their aggregate is the order) are read in outbox order
-- for the operator (events_of in include/w3wallet/sys/storage.h); the outbox keeps every event.
CREATE INDEX idx_outbox_aggregate ON outbox(aggregate_id, seq);

-- This file is migration 7: the library applies it in one transaction and records it.
INSERT INTO schema_version (version, applied_at)
  VALUES (7, CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER));
