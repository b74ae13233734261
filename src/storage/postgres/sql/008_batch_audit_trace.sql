-- Schema version 8: claims made by a claim batch keep the trace they were made in, as single
-- commands' records do since version 6 (w3w_record takes the trace of the event's
-- "traceparent"). w3w_claim_create_batch (version 5) writes its audit rows itself; it is
-- re-created here, unchanged but for the trace_id its audit insert now writes.
CREATE OR REPLACE FUNCTION w3w_claim_create_batch(p_actor uuid[], p_key text[], p_hash bytea[],
  p_expires bigint[], p_now bigint[], e_id uuid[], e_type text[], e_topic text[],
  e_aggregate uuid[], e_actor uuid[], e_region text[], e_at bigint[], e_payload text[],
  a_id uuid[], a_actor uuid[], a_action text[], a_target uuid[], a_outcome text[], a_at bigint[],
  p_id uuid[], p_order uuid[], p_user uuid[], p_claimed bigint[])
RETURNS TABLE (idx integer, code text, message text, replayed boolean, id uuid, order_id uuid,
  user_id uuid, supply_id uuid, status text, claimed_at bigint, processed_at bigint,
  released_at bigint, order_user_id uuid, event_seq bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  r record;
  v_now timestamptz; v_hash bytea; v_result uuid; k integer; v_pick integer;
  v_prev uuid; v_prev_won boolean := false;
  -- the claimers' active supplies, oldest first, and the room each has left
  s_id uuid[]; s_user uuid[]; s_cur text[]; s_room bigint[];
  -- the claims made, in claiming order: element, supply, units; which were written in the loop
  v_done integer[] := '{}'; v_sup uuid[] := '{}'; v_units bigint[] := '{}'; v_written integer[] := '{}';
BEGIN
  PERFORM 1 FROM orders o WHERE o.id = ANY(p_order) ORDER BY o.id FOR UPDATE;
  PERFORM 1 FROM supplies s WHERE s.user_id = ANY(p_user) AND s.status = 'active'
   ORDER BY s.id FOR UPDATE;
  SELECT array_agg(s.id ORDER BY s.created_at, s.id), array_agg(s.user_id ORDER BY s.created_at, s.id),
         array_agg(s.currency::text ORDER BY s.created_at, s.id),
         array_agg(w3w_units(s.amount - s.reserved) ORDER BY s.created_at, s.id)
    INTO s_id, s_user, s_cur, s_room
    FROM supplies s WHERE s.user_id = ANY(p_user) AND s.status = 'active';

  FOR r IN SELECT u.*, o.user_id AS o_user, o.status::text AS o_status, o.currency::text AS o_cur,
        o.amount AS o_amt, w3w_units(o.amount) AS o_units
      FROM unnest(p_actor, p_key, p_hash, p_expires, p_now, p_id, p_order, p_user, p_claimed)
        WITH ORDINALITY AS u(m_actor, m_key, m_hash, m_expires, m_now, c_id, c_order, c_user,
          c_claimed, n)
      LEFT JOIN orders o ON o.id = u.c_order
     ORDER BY u.c_order, u.n LOOP
    idx := r.n; code := NULL; message := NULL; replayed := false; event_seq := 0;
    v_now := w3w_ts(r.m_now);
    v_result := NULL;
    IF r.m_key <> '' THEN
      SELECT ik.request_hash, ik.result_id INTO v_hash, v_result FROM idempotency_keys ik
       WHERE ik.actor_id = r.m_actor AND ik.key = r.m_key AND ik.expires_at > v_now;
      IF FOUND AND v_hash <> r.m_hash THEN
        code := 'W3006'; message := 'idempotency key reused with a different request';
        RETURN NEXT; CONTINUE;
      END IF;
    END IF;
    IF v_result IS NOT NULL THEN
      replayed := true;
      SELECT c.id, c.order_id, c.user_id, c.supply_id, c.status, c.claimed_at, c.processed_at,
          c.released_at, c.order_user_id
        INTO id, order_id, user_id, supply_id, status, claimed_at, processed_at, released_at,
          order_user_id
        FROM w3w_claim_v c WHERE c.id = v_result;
      RETURN NEXT; CONTINUE;
    END IF;

    v_pick := NULL;
    IF r.o_user IS NULL THEN
      code := 'W3001'; message := format('order %s not found', r.c_order);
    ELSIF r.o_user = r.c_user THEN
      code := 'W3004'; message := format('order %s is the claimer''s own order', r.c_order);
    ELSIF r.o_status = 'cancelled' THEN
      code := 'W3005'; message := format('order %s is cancelled', r.c_order);
    ELSIF r.c_order = v_prev AND v_prev_won THEN
      code := 'W3002'; message := format('order %s is already claimed', r.c_order);
    ELSIF r.o_status <> 'open' THEN
      code := 'W3002'; message := format('order %s is already %s', r.c_order, r.o_status);
    ELSE
      FOR k IN 1 .. coalesce(array_length(s_id, 1), 0) LOOP
        IF s_user[k] = r.c_user AND s_cur[k] = r.o_cur AND s_room[k] >= r.o_units THEN
          v_pick := k;
          EXIT;
        END IF;
      END LOOP;
      IF v_pick IS NULL THEN
        code := 'W3003';
        message := format('no active %s supply of user %s has %s unreserved', r.o_cur, r.c_user,
          r.o_amt);
      END IF;
    END IF;
    IF r.c_order IS DISTINCT FROM v_prev THEN
      v_prev := r.c_order;
      v_prev_won := false;
    END IF;
    IF code IS NOT NULL THEN RETURN NEXT; CONTINUE; END IF;

    v_prev_won := true;
    s_room[v_pick] := s_room[v_pick] - r.o_units;
    v_done := array_append(v_done, r.n::integer);
    v_sup := array_append(v_sup, s_id[v_pick]);
    v_units := array_append(v_units, r.o_units);
    IF r.m_key <> '' THEN
      INSERT INTO claims (id, order_id, user_id, supply_id, status, claimed_at)
      VALUES (r.c_id, r.c_order, r.c_user, s_id[v_pick], 'pending', w3w_ts(r.c_claimed));
      v_written := array_append(v_written, r.n::integer);
      INSERT INTO idempotency_keys AS ik (actor_id, key, request_hash, result_id, created_at,
        expires_at)
      VALUES (r.m_actor, r.m_key, r.m_hash, r.c_id, v_now, w3w_ts(r.m_expires))
      ON CONFLICT (actor_id, key) DO UPDATE SET request_hash = EXCLUDED.request_hash,
        result_id = EXCLUDED.result_id, created_at = EXCLUDED.created_at,
        expires_at = EXCLUDED.expires_at
      WHERE ik.expires_at <= EXCLUDED.created_at;
      IF NOT FOUND THEN
        PERFORM w3w_fail('40001', format('idempotency key %s was taken meanwhile', r.m_key));
      END IF;
    END IF;
    id := r.c_id; order_id := r.c_order; user_id := r.c_user; supply_id := s_id[v_pick];
    status := 'pending'; claimed_at := r.c_claimed; processed_at := NULL; released_at := NULL;
    order_user_id := r.o_user;
    RETURN NEXT;
  END LOOP;
  IF cardinality(v_done) = 0 THEN RETURN; END IF;

  UPDATE orders o SET status = 'claimed', updated_at = w3w_ts(u.now_us)
    FROM unnest(v_done) AS d(n)
    JOIN unnest(p_order, p_now) WITH ORDINALITY AS u(oid, now_us, n) USING (n)
   WHERE o.id = u.oid;
  UPDATE supplies s SET reserved = s.reserved + w3w_amt(x.units), updated_at = x.at
    FROM (SELECT t.sid, sum(t.units)::bigint AS units, w3w_ts(max(u.now_us)) AS at
            FROM unnest(v_done, v_sup, v_units) AS t(n, sid, units)
            JOIN unnest(p_now) WITH ORDINALITY AS u(now_us, n) USING (n)
           GROUP BY t.sid) x
   WHERE s.id = x.sid;
  INSERT INTO claims (id, order_id, user_id, supply_id, status, claimed_at)
  SELECT u.cid, u.oid, u.uid, t.sid, 'pending', w3w_ts(u.claimed)
    FROM unnest(v_done, v_sup) WITH ORDINALITY AS t(n, sid, pos)
    JOIN unnest(p_id, p_order, p_user, p_claimed) WITH ORDINALITY AS u(cid, oid, uid, claimed, n)
      USING (n)
   WHERE t.n <> ALL (v_written)
   ORDER BY t.pos;
  -- The audit records and outbox events of the claims made, as w3w_record writes them, in the
  -- order the claims were made.
  INSERT INTO audit_log (id, actor_id, action, target_id, outcome, created_at, trace_id)
  SELECT u.aid, u.aactor, u.aaction, u.atarget, u.aoutcome, w3w_ts(u.aat), w3w_payload_trace(u.epayload)
    FROM unnest(v_done) WITH ORDINALITY AS d(n, pos)
    JOIN unnest(a_id, a_actor, a_action, a_target, a_outcome, a_at, e_payload) WITH ORDINALITY
      AS u(aid, aactor, aaction, atarget, aoutcome, aat, epayload, n) USING (n)
   ORDER BY d.pos;
  INSERT INTO outbox (id, type, topic, aggregate_id, actor_id, region, created_at, payload)
  SELECT u.eid, u.etype, u.etopic, u.eagg, u.eactor, u.eregion, w3w_ts(u.eat),
      coalesce(u.epayload, '{}')
    FROM unnest(v_done) WITH ORDINALITY AS d(n, pos)
    JOIN unnest(e_id, e_type, e_topic, e_aggregate, e_actor, e_region, e_at, e_payload)
      WITH ORDINALITY AS u(eid, etype, etopic, eagg, eactor, eregion, eat, epayload, n) USING (n)
   ORDER BY d.pos;
END $$;

-- This file is migration 8: the library applies it in one transaction and records it.
INSERT INTO schema_version (version) VALUES (8);
