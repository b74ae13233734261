-- The pgbench side of `make bench` (bench/bench.py runs this once per fresh database, after the
-- library's migrations). Helper tables give each pgbench transaction the same arguments the library
-- would send; bench_noop_claim has w3w_claim_create's signature and does nothing (the round-trip floor).
CREATE TABLE bench_claims (
    n        bigint PRIMARY KEY,  -- client c claims rows c*per+1 .. c*per+per, in order
    order_id text NOT NULL,       -- text, as libpq sends every parameter: the casts below are the
    claim_id text NOT NULL,       -- same uuid_in the library's parameters go through
    event_id text NOT NULL,
    audit_id text NOT NULL,
    shopper  text NOT NULL,       -- the client's shopper (one active supply, made by the library)
    payload  text NOT NULL        -- the event payload the library builds: {"order_id":..,"claim_id":..,"user_id":..}
);
CREATE TABLE bench_reads (
    n        bigint PRIMARY KEY,
    order_id text NOT NULL
);
CREATE FUNCTION bench_noop_claim(p_actor uuid, p_key text, p_hash bytea, p_expires bigint, p_now bigint,
    e_id uuid, e_type text, e_topic text, e_aggregate uuid, e_actor uuid, e_region text, e_at bigint,
    e_payload text, a_id uuid, a_actor uuid, a_action text, a_target uuid, a_outcome text, a_at bigint,
    p_id uuid, p_order uuid, p_user uuid, p_claimed bigint)
RETURNS TABLE (replayed boolean, id uuid, order_id uuid, user_id uuid, supply_id uuid, status text,
    claimed_at bigint, processed_at bigint, released_at bigint, order_user_id uuid, event_seq bigint)
LANGUAGE plpgsql AS $$
BEGIN
  RETURN QUERY SELECT false, p_id, p_order, p_user, NULL::uuid, 'pending'::text, p_claimed,
    NULL::bigint, NULL::bigint, NULL::uuid, 0::bigint;
END $$;
