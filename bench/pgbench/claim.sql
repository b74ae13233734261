-- One claim per transaction: the library's statement (SELECT * FROM w3w_claim_create($1..$23),
-- pg_statements.c), with its arguments taken from this client's next bench_claims row.
-- Variables: per (rows per client), hash, expires, now; i counts this client's claims (-D i=0).
\set i :i + 1
\set k :client_id * :per + :i
SELECT f.* FROM bench_claims b,
  LATERAL w3w_claim_create(b.shopper::uuid, '', :hash, :expires, :now,
    b.event_id::uuid, 'order.claimed', 'claim-events', b.order_id::uuid, b.shopper::uuid, 'local', :now,
    b.payload, b.audit_id::uuid, b.shopper::uuid, 'claim.create', b.order_id::uuid, 'ok', :now,
    b.claim_id::uuid, b.order_id::uuid, b.shopper::uuid, :now) f
WHERE b.n = :k;
