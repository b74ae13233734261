-- :size claims per transaction: the library's batch statement (SELECT * FROM
-- w3w_claim_create_batch($1..$23), pg_statements.c), its arrays built from this client's next :size
-- bench_claims rows as the library builds them from its requests (claim.sql's arguments, one entry each).
-- Variables: per (rows per client), size, hash, expires, now; i counts this client's batches (-D i=0).
\set i :i + 1
\set lo :client_id * :per + (:i - 1) * :size + 1
\set hi :lo + :size
SELECT f.* FROM (
    SELECT count(*)::int AS k, array_agg(b.shopper::uuid ORDER BY b.n) AS shopper,
        array_agg(b.order_id::uuid ORDER BY b.n) AS ord, array_agg(b.claim_id::uuid ORDER BY b.n) AS cid,
        array_agg(b.event_id::uuid ORDER BY b.n) AS eid, array_agg(b.audit_id::uuid ORDER BY b.n) AS aid,
        array_agg(b.payload ORDER BY b.n) AS payload
      FROM bench_claims b WHERE b.n >= :lo AND b.n < :hi) b,
  LATERAL w3w_claim_create_batch(b.shopper, array_fill(''::text, ARRAY[b.k]),
    array_fill(:hash::bytea, ARRAY[b.k]), array_fill(:expires::bigint, ARRAY[b.k]),
    array_fill(:now::bigint, ARRAY[b.k]), b.eid, array_fill('order.claimed'::text, ARRAY[b.k]),
    array_fill('claim-events'::text, ARRAY[b.k]), b.ord, b.shopper, array_fill('local'::text, ARRAY[b.k]),
    array_fill(:now::bigint, ARRAY[b.k]), b.payload, b.aid, b.shopper,
    array_fill('claim.create'::text, ARRAY[b.k]), b.ord, array_fill('ok'::text, ARRAY[b.k]),
    array_fill(:now::bigint, ARRAY[b.k]), b.cid, b.ord, b.shopper, array_fill(:now::bigint, ARRAY[b.k])) f;
