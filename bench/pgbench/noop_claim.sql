-- claim.sql with a function that does nothing: the round trip, the call and the row pick, no work.
\set k random(1, :rows)
SELECT f.* FROM bench_claims b,
  LATERAL bench_noop_claim(b.shopper::uuid, '', :hash, :expires, :now,
    b.event_id::uuid, 'order.claimed', 'claim-events', b.order_id::uuid, b.shopper::uuid, 'local', :now,
    b.payload, b.audit_id::uuid, b.shopper::uuid, 'claim.create', b.order_id::uuid, 'ok', :now,
    b.claim_id::uuid, b.order_id::uuid, b.shopper::uuid, :now) f
WHERE b.n = :k;
