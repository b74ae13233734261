-- Why the relay falls behind under load (docs/benchmarks.md): w3w_outbox_take's UPDATE with the
-- statistics the relay usually runs with (nothing unsent when they were taken) and :pending unsent
-- rows now, against the same UPDATE written with = ANY (ARRAY(...)). Rolled back: nothing changes.
-- psql variable: pending.
ANALYZE outbox;
BEGIN;
UPDATE outbox SET sent_at = NULL WHERE seq > (SELECT max(seq) FROM outbox) - :pending;
EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON)
UPDATE outbox o SET lease_until = clock_timestamp() + 11000 * interval '1 millisecond'
 WHERE o.seq IN (SELECT p.seq FROM outbox p WHERE p.sent_at IS NULL ORDER BY p.seq LIMIT 256)
   AND o.sent_at IS NULL;
EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON)
UPDATE outbox o SET lease_until = clock_timestamp() + 11000 * interval '1 millisecond'
 WHERE o.seq = ANY (ARRAY(SELECT p.seq FROM outbox p WHERE p.sent_at IS NULL ORDER BY p.seq LIMIT 256))
   AND o.sent_at IS NULL;
ROLLBACK;
ANALYZE outbox;
