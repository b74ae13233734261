-- Schema version 11: deposit, transfer and order batches set-based like claims, and claim
-- batches without the per-row work they still did.
--
-- Version 5 ran each deposit, transfer and order of a batch as the single function in its own
-- subtransaction: 8,190 deposits took longer than the default timeout. Here each batch function
-- reads what it needs in a few statements, decides every element in request order in memory
-- with the single function's rules, refusals and messages, and then writes the rows of all the
-- elements that succeeded in one statement per table. No subtransactions: a refused element
-- has written nothing. The functions keep their signatures and result columns (version 5);
-- event_seq is 0 (the events are written after the decisions).
--
-- Idempotency per element (w3w_batch_keys): a keyed element whose key is in the table (and
-- unexpired) or was taken by an earlier element of the batch replays that result, or is refused
-- (W3006) when its request differs. The keys of the elements that ran are written at the end;
-- a key that a concurrent call took meanwhile (ON CONFLICT finds it live) aborts the batch as a
-- serialization failure, which the client retries, and the retry replays that element. The same
-- holds for a deposit reference a concurrent deposit took meanwhile.
--
-- No JIT (SET jit = off): the estimates of a large batch are large, and compiling its plans
-- took seconds (8,190 deposits: 2 s of a 5 s timeout) for statements that run in milliseconds.
-- No sequential scans (SET enable_seqscan = off): a batch touches at most 8,190 rows of tables
-- that grow without bound, so it reads and updates them by index probes; a hash join over a
-- scan of the orders took 13 of the 30 ms that updating 1,000 claimed orders took. Tables are
-- never filtered by = ANY(array), which the planner may turn into a scan comparing every row
-- with every element.
--
-- Lock order. Single commands take the idempotency key, then (deposits) the reference, then the
-- accounts in user_id order. A batch locks all the accounts it touches first, in (user_id,
-- currency) order in one statement, then writes references and keys. Two batches cannot
-- deadlock each other (one statement takes each's account locks in one order); a batch and a
-- single command can wait for each other only when they use the same key or deposit reference
-- at the same time, which PostgreSQL detects (40P01) and the client retries.

-- Per element: the unexpired row of its idempotency key, if any, and the previous element of the
-- batch with the same actor and key. Keyless elements get NULLs. One index probe per keyed
-- element (LATERAL ... LIMIT 1: never a scan of the table).
CREATE FUNCTION w3w_batch_keys(p_actor uuid[], p_key text[], p_now bigint[])
RETURNS TABLE (n bigint, k_result uuid, k_hash bytea, k_prev bigint) LANGUAGE sql STABLE AS $$
  SELECT u.n, ik.result_id, ik.request_hash,
    CASE WHEN u.key <> '' THEN lag(u.n) OVER (PARTITION BY u.actor, u.key ORDER BY u.n) END
    FROM unnest(p_actor, p_key, p_now) WITH ORDINALITY AS u(actor, key, now_us, n)
    LEFT JOIN LATERAL (SELECT k.result_id, k.request_hash FROM idempotency_keys k
                        WHERE u.key <> '' AND k.actor_id = u.actor AND k.key = u.key
                          AND k.expires_at > w3w_ts(u.now_us) LIMIT 1) ik ON true
$$;

-- Write the keys of the elements in p_ran (element numbers) that have one; 40001 when one was
-- taken meanwhile (see above).
CREATE FUNCTION w3w_batch_keys_write(p_ran integer[], p_actor uuid[], p_key text[], p_hash bytea[],
  p_now bigint[], p_expires bigint[], p_result uuid[]) RETURNS void LANGUAGE plpgsql SET jit = off AS $$
DECLARE v_want bigint; v_got bigint;
BEGIN
  INSERT INTO idempotency_keys AS ik (actor_id, key, request_hash, result_id, created_at, expires_at)
  SELECT u.actor, u.key, u.hash, u.result, w3w_ts(u.now_us), w3w_ts(u.expires)
    FROM unnest(p_ran) AS d(n)
    JOIN unnest(p_actor, p_key, p_hash, p_now, p_expires, p_result) WITH ORDINALITY
      AS u(actor, key, hash, now_us, expires, result, n) USING (n)
   WHERE u.key <> ''
   ORDER BY u.actor, u.key
  ON CONFLICT (actor_id, key) DO UPDATE SET request_hash = EXCLUDED.request_hash,
    result_id = EXCLUDED.result_id, created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at
  WHERE ik.expires_at <= EXCLUDED.created_at;
  GET DIAGNOSTICS v_got = ROW_COUNT;
  SELECT count(*) INTO v_want FROM unnest(p_ran) AS d(n)
    JOIN unnest(p_key) WITH ORDINALITY AS u(key, n) USING (n) WHERE u.key <> '';
  IF v_got <> v_want THEN
    PERFORM w3w_fail('40001', 'an idempotency key of the batch was taken meanwhile');
  END IF;
END $$;

-- The audit records and outbox events of the elements in p_ran, in that order, as w3w_record
-- writes them (the audit record takes the trace of its event's payload). p_payload: the
-- payloads to store, one per element of the batch (see the claims for why they may differ from
-- e_payload).
CREATE FUNCTION w3w_batch_record(p_ran integer[], e_id uuid[], e_type text[], e_topic text[],
  e_aggregate uuid[], e_actor uuid[], e_region text[], e_at bigint[], p_payload text[],
  a_id uuid[], a_actor uuid[], a_action text[], a_target uuid[], a_outcome text[], a_at bigint[])
RETURNS void LANGUAGE plpgsql SET jit = off AS $$
BEGIN
  INSERT INTO audit_log (id, actor_id, action, target_id, outcome, created_at, trace_id)
  SELECT u.aid, u.aactor, u.aaction, u.atarget, u.aoutcome, w3w_ts(u.aat), w3w_payload_trace(u.epayload)
    FROM unnest(p_ran) WITH ORDINALITY AS d(n, pos)
    JOIN unnest(a_id, a_actor, a_action, a_target, a_outcome, a_at, p_payload) WITH ORDINALITY
      AS u(aid, aactor, aaction, atarget, aoutcome, aat, epayload, n) USING (n)
   ORDER BY d.pos;
  INSERT INTO outbox (id, type, topic, aggregate_id, actor_id, region, created_at, payload)
  SELECT u.eid, u.etype, u.etopic, u.eagg, u.eactor, u.eregion, w3w_ts(u.eat),
      coalesce(u.epayload, '{}')
    FROM unnest(p_ran) WITH ORDINALITY AS d(n, pos)
    JOIN unnest(e_id, e_type, e_topic, e_aggregate, e_actor, e_region, e_at, p_payload)
      WITH ORDINALITY AS u(eid, etype, etopic, eagg, eactor, eregion, eat, epayload, n) USING (n)
   ORDER BY d.pos;
END $$;

-- The facts trigger (version 3) leaves alone an event that carries them already: a claim batch
-- adds them to its events' payloads set-based, with the same expression, instead of one lookup
-- of the order and one of the claim per event. A JSON string cannot hold "order_user_id" with
-- its quotes unescaped, so only the key itself matches.
DROP TRIGGER outbox_facts ON outbox;
CREATE TRIGGER outbox_facts BEFORE INSERT ON outbox FOR EACH ROW
  WHEN (NEW.type IN ('order.claimed', 'claim.processed', 'claim.released', 'order.cancelled')
    AND strpos(NEW.payload, '"order_user_id"') = 0)
  EXECUTE FUNCTION w3w_outbox_facts();

-- ---- deposits and transfers ------------------------------------------------------------------
-- Deposits (from the external account, the nil UUID) and transfers between users; other kinds
-- are not batched (a withdrawal takes its limit first: w3w_transfer). Per element, as
-- w3w_transfer decides: its key; a deposit reference already used (in the table or by an
-- earlier element) is W3002; a debit beyond what is available (balance - held, earlier elements
-- counted) is W3003; else it runs.
CREATE OR REPLACE FUNCTION w3w_transfer_batch(p_actor uuid[], p_key text[], p_hash bytea[],
  p_expires bigint[], p_now bigint[], e_id uuid[], e_type text[], e_topic text[],
  e_aggregate uuid[], e_actor uuid[], e_region text[], e_at bigint[], e_payload text[],
  a_id uuid[], a_actor uuid[], a_action text[], a_target uuid[], a_outcome text[], a_at bigint[],
  p_id uuid[], p_kind text[], p_from uuid[], p_to uuid[], p_currency text[], p_amount bigint[],
  p_reference text[], p_created bigint[])
RETURNS TABLE (idx integer, code text, message text, replayed boolean, id uuid, kind text,
  from_user_id uuid, to_user_id uuid, currency text, amount bigint, reference text,
  created_at bigint, event_seq bigint)
LANGUAGE plpgsql SET jit = off SET enable_seqscan = off AS $$
#variable_conflict use_column
DECLARE
  r record;
  v_nil CONSTANT uuid := '00000000-0000-0000-0000-000000000000';
  -- the accounts the batch touches, in lock order: whether each exists, the units available,
  -- what the elements that ran moved and the time of the last one
  a_user uuid[]; a_cur text[]; a_have boolean[]; a_avail bigint[]; a_delta bigint[]; a_now bigint[];
  -- per element, after it: its key's result, request hash and the element that made it (0: the
  -- table); whether its deposit reference is taken
  st_res uuid[] := '{}'; st_hash bytea[] := '{}'; st_src integer[] := '{}'; st_ref boolean[] := '{}';
  v_res uuid; v_hash bytea; v_src integer; v_taken boolean;
  v_ran integer[] := '{}'; v_count bigint;
BEGIN
  IF EXISTS (SELECT 1 FROM unnest(p_kind) AS k(kind) WHERE k.kind NOT IN ('deposit', 'transfer')) THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'w3w_transfer_batch: deposits and transfers only';
  END IF;
  SELECT array_agg(t.uid ORDER BY t.uid, t.cur), array_agg(t.cur ORDER BY t.uid, t.cur)
    INTO a_user, a_cur
    FROM (SELECT DISTINCT x.uid, x.cur FROM unnest(p_from || p_to, p_currency || p_currency) AS x(uid, cur)
           WHERE x.uid <> v_nil) t;
  SELECT array_agg(ac.avail IS NOT NULL ORDER BY x.k), array_agg(coalesce(ac.avail, 0) ORDER BY x.k),
         array_agg(0::bigint ORDER BY x.k), array_agg(NULL::bigint ORDER BY x.k)
    INTO a_have, a_avail, a_delta, a_now
    FROM unnest(a_user, a_cur) WITH ORDINALITY AS x(uid, cur, k)
    LEFT JOIN LATERAL (SELECT w3w_units(a.balance - a.held) AS avail FROM accounts a
                        WHERE a.user_id = x.uid AND a.currency = x.cur FOR UPDATE) ac ON true;

  FOR r IN SELECT u.*, ks.k_result, ks.k_hash, ks.k_prev, af.k AS k_from, ato.k AS k_to,
        tr.taken IS NOT NULL AS ref_used,
        CASE WHEN u.t_kind = 'deposit'
          THEN lag(u.n) OVER (PARTITION BY u.t_kind, u.t_reference ORDER BY u.n) END AS ref_prev
      FROM unnest(p_actor, p_key, p_hash, p_now, p_id, p_kind, p_from, p_to, p_currency, p_amount,
          p_reference, p_created) WITH ORDINALITY
        AS u(m_actor, m_key, m_hash, m_now, t_id, t_kind, t_from, t_to, t_currency, t_amount,
          t_reference, t_created, n)
      JOIN w3w_batch_keys(p_actor, p_key, p_now) ks ON ks.n = u.n
      LEFT JOIN unnest(a_user, a_cur) WITH ORDINALITY AS af(uid, cur, k)
        ON af.uid = u.t_from AND af.cur = u.t_currency
      LEFT JOIN unnest(a_user, a_cur) WITH ORDINALITY AS ato(uid, cur, k)
        ON ato.uid = u.t_to AND ato.cur = u.t_currency
      LEFT JOIN LATERAL (SELECT true AS taken FROM transfers t
                          WHERE u.t_kind = 'deposit' AND t.kind = 'deposit'
                            AND t.reference = u.t_reference LIMIT 1) tr ON true
     ORDER BY u.n LOOP
    idx := r.n; code := NULL; message := NULL; replayed := false; event_seq := 0;
    -- the key and the reference as the elements before this one left them
    v_res := NULL; v_hash := NULL; v_src := 0;
    IF r.m_key <> '' THEN
      IF r.k_prev IS NOT NULL THEN
        v_res := st_res[r.k_prev]; v_hash := st_hash[r.k_prev]; v_src := st_src[r.k_prev];
      ELSE
        v_res := r.k_result; v_hash := r.k_hash;
      END IF;
    END IF;
    v_taken := r.ref_used OR coalesce(st_ref[r.ref_prev], false);

    IF v_res IS NOT NULL AND v_hash <> r.m_hash THEN
      code := 'W3006'; message := 'idempotency key reused with a different request';
    ELSIF v_res IS NOT NULL THEN
      replayed := true;
      IF v_src > 0 THEN
        id := p_id[v_src]; kind := p_kind[v_src]; from_user_id := p_from[v_src];
        to_user_id := p_to[v_src]; currency := p_currency[v_src]; amount := p_amount[v_src];
        reference := p_reference[v_src]; created_at := p_created[v_src];
      ELSE
        SELECT t.id, t.kind, t.from_user_id, t.to_user_id, t.currency, t.amount, t.reference,
            t.created_at
          INTO id, kind, from_user_id, to_user_id, currency, amount, reference, created_at
          FROM w3w_transfer_v t WHERE t.id = v_res;
      END IF;
    ELSIF r.t_kind = 'deposit' AND v_taken THEN
      code := 'W3002'; message := format('deposit reference %s was already used', r.t_reference);
    ELSIF r.t_from <> v_nil AND a_avail[r.k_from] < r.t_amount THEN
      code := 'W3003'; message := format('available %s of user %s is less than %s', r.t_currency,
        r.t_from, w3w_amt(r.t_amount));
    ELSE
      IF r.t_from <> v_nil THEN
        a_avail[r.k_from] := a_avail[r.k_from] - r.t_amount;
        a_delta[r.k_from] := a_delta[r.k_from] - r.t_amount; a_now[r.k_from] := r.m_now;
      END IF;
      IF r.t_to <> v_nil THEN
        a_avail[r.k_to] := a_avail[r.k_to] + r.t_amount;
        a_delta[r.k_to] := a_delta[r.k_to] + r.t_amount; a_now[r.k_to] := r.m_now;
      END IF;
      v_ran := array_append(v_ran, r.n::integer);
      v_res := r.t_id; v_hash := r.m_hash; v_src := r.n;
      v_taken := v_taken OR r.t_kind = 'deposit';
      id := r.t_id; kind := r.t_kind; from_user_id := r.t_from; to_user_id := r.t_to;
      currency := r.t_currency; amount := r.t_amount; reference := r.t_reference;
      created_at := r.t_created;
    END IF;
    IF r.m_key <> '' THEN
      st_res[r.n] := v_res; st_hash[r.n] := v_hash; st_src[r.n] := v_src;
    END IF;
    st_ref[r.n] := v_taken;
    RETURN NEXT;
  END LOOP;
  IF cardinality(v_ran) = 0 THEN RETURN; END IF;

  INSERT INTO transfers (id, kind, from_user_id, to_user_id, currency, amount, reference, created_at)
  SELECT u.tid, u.kind, u.tfrom, u.tto, u.cur, w3w_amt(u.amt), u.ref, w3w_ts(u.t_at)
    FROM unnest(v_ran) WITH ORDINALITY AS d(n, pos)
    JOIN unnest(p_id, p_kind, p_from, p_to, p_currency, p_amount, p_reference, p_created)
      WITH ORDINALITY AS u(tid, kind, tfrom, tto, cur, amt, ref, t_at, n) USING (n)
   ORDER BY d.pos
  ON CONFLICT (reference) WHERE kind = 'deposit' DO NOTHING;
  GET DIAGNOSTICS v_count = ROW_COUNT;
  IF v_count <> cardinality(v_ran) THEN
    PERFORM w3w_fail('40001', 'a deposit reference of the batch was used meanwhile');
  END IF;
  -- Each account once, by what its elements moved: those that existed are locked; the others
  -- were only credited (a debit needs what is available), so the row they get is valid even if
  -- a concurrent command made it meanwhile (then it is added to).
  UPDATE accounts a SET balance = a.balance + w3w_amt(x.delta), updated_at = w3w_ts(x.now_us)
    FROM unnest(a_user, a_cur, a_delta, a_now, a_have) AS x(uid, cur, delta, now_us, have)
   WHERE x.have AND x.now_us IS NOT NULL AND a.user_id = x.uid AND a.currency = x.cur;
  INSERT INTO accounts AS a (user_id, currency, balance, held, updated_at)
  SELECT x.uid, x.cur, w3w_amt(x.delta), 0, w3w_ts(x.now_us)
    FROM unnest(a_user, a_cur, a_delta, a_now, a_have) AS x(uid, cur, delta, now_us, have)
   WHERE NOT x.have AND x.now_us IS NOT NULL
   ORDER BY x.uid, x.cur
  ON CONFLICT (user_id, currency) DO UPDATE
    SET balance = a.balance + EXCLUDED.balance, updated_at = EXCLUDED.updated_at;
  INSERT INTO ledger_entries (transfer_id, user_id, currency, amount, created_at)
  SELECT u.tid, s.uid, u.cur, s.amt, w3w_ts(u.t_at)
    FROM unnest(v_ran) WITH ORDINALITY AS d(n, pos)
    JOIN unnest(p_id, p_from, p_to, p_currency, p_amount, p_created) WITH ORDINALITY
      AS u(tid, tfrom, tto, cur, amt, t_at, n) USING (n)
    CROSS JOIN LATERAL (VALUES (1, u.tfrom, -w3w_amt(u.amt)), (2, u.tto, w3w_amt(u.amt))) AS s(side, uid, amt)
   ORDER BY d.pos, s.side;
  PERFORM w3w_batch_record(v_ran, e_id, e_type, e_topic, e_aggregate, e_actor, e_region, e_at,
    e_payload, a_id, a_actor, a_action, a_target, a_outcome, a_at);
  PERFORM w3w_batch_keys_write(v_ran, p_actor, p_key, p_hash, p_now, p_expires, p_id);
END $$;

-- ---- orders ------------------------------------------------------------------------------------
-- Per element, as w3w_order_create decides: its key; an escrow beyond what the buyer has
-- available (earlier elements counted) is W3003; else it runs. Items of all orders come in flat
-- arrays: order k has p_item_count[k] of them from p_item_first[k].
CREATE OR REPLACE FUNCTION w3w_order_create_batch(p_actor uuid[], p_key text[], p_hash bytea[],
  p_expires bigint[], p_now bigint[], e_id uuid[], e_type text[], e_topic text[],
  e_aggregate uuid[], e_actor uuid[], e_region text[], e_at bigint[], e_payload text[],
  a_id uuid[], a_actor uuid[], a_action text[], a_target uuid[], a_outcome text[], a_at bigint[],
  p_id uuid[], p_user uuid[], p_currency text[], p_amount bigint[], p_created bigint[],
  p_updated bigint[], p_item_first integer[], p_item_count integer[], p_item_ids uuid[],
  p_product_ids uuid[], p_names text[], p_prices bigint[], p_quantities bigint[])
RETURNS TABLE (idx integer, code text, message text, replayed boolean, id uuid, user_id uuid,
  currency text, amount bigint, status text, created_at bigint, updated_at bigint,
  event_seq bigint)
LANGUAGE plpgsql SET jit = off SET enable_seqscan = off AS $$
#variable_conflict use_column
DECLARE
  r record;
  -- the buyers' accounts in lock order: units available, what the orders that ran hold, the time
  -- of the last one
  a_user uuid[]; a_cur text[]; a_avail bigint[]; a_held bigint[]; a_now bigint[];
  st_res uuid[] := '{}'; st_hash bytea[] := '{}'; st_src integer[] := '{}';
  v_res uuid; v_hash bytea; v_src integer;
  v_ran integer[] := '{}';
BEGIN
  SELECT array_agg(t.uid ORDER BY t.uid, t.cur), array_agg(t.cur ORDER BY t.uid, t.cur)
    INTO a_user, a_cur
    FROM (SELECT DISTINCT x.uid, x.cur FROM unnest(p_user, p_currency, p_amount) AS x(uid, cur, amt)
           WHERE x.amt > 0) t;
  SELECT array_agg(coalesce(ac.avail, 0) ORDER BY x.k), array_agg(0::bigint ORDER BY x.k),
         array_agg(NULL::bigint ORDER BY x.k)
    INTO a_avail, a_held, a_now
    FROM unnest(a_user, a_cur) WITH ORDINALITY AS x(uid, cur, k)
    LEFT JOIN LATERAL (SELECT w3w_units(a.balance - a.held) AS avail FROM accounts a
                        WHERE a.user_id = x.uid AND a.currency = x.cur FOR UPDATE) ac ON true;

  FOR r IN SELECT u.*, ks.k_result, ks.k_hash, ks.k_prev, ab.k AS k_buyer
      FROM unnest(p_key, p_hash, p_now, p_id, p_user, p_currency, p_amount, p_created, p_updated)
        WITH ORDINALITY AS u(m_key, m_hash, m_now, o_id, o_user, o_currency, o_amount, o_created,
          o_updated, n)
      JOIN w3w_batch_keys(p_actor, p_key, p_now) ks ON ks.n = u.n
      LEFT JOIN unnest(a_user, a_cur) WITH ORDINALITY AS ab(uid, cur, k)
        ON ab.uid = u.o_user AND ab.cur = u.o_currency
     ORDER BY u.n LOOP
    idx := r.n; code := NULL; message := NULL; replayed := false; event_seq := 0;
    v_res := NULL; v_hash := NULL; v_src := 0;
    IF r.m_key <> '' THEN
      IF r.k_prev IS NOT NULL THEN
        v_res := st_res[r.k_prev]; v_hash := st_hash[r.k_prev]; v_src := st_src[r.k_prev];
      ELSE
        v_res := r.k_result; v_hash := r.k_hash;
      END IF;
    END IF;

    IF v_res IS NOT NULL AND v_hash <> r.m_hash THEN
      code := 'W3006'; message := 'idempotency key reused with a different request';
    ELSIF v_res IS NOT NULL THEN
      replayed := true;
      IF v_src > 0 THEN
        id := p_id[v_src]; user_id := p_user[v_src]; currency := p_currency[v_src];
        amount := p_amount[v_src]; status := 'open'; created_at := p_created[v_src];
        updated_at := p_updated[v_src];
      ELSE
        SELECT o.id, o.user_id, o.currency, o.amount, o.status, o.created_at, o.updated_at
          INTO id, user_id, currency, amount, status, created_at, updated_at
          FROM w3w_order_v o WHERE o.id = v_res;
      END IF;
    ELSIF r.o_amount > 0 AND a_avail[r.k_buyer] < r.o_amount THEN
      code := 'W3003'; message := format('available %s of user %s is less than %s', r.o_currency,
        r.o_user, w3w_amt(r.o_amount));
    ELSE
      IF r.o_amount > 0 THEN
        a_avail[r.k_buyer] := a_avail[r.k_buyer] - r.o_amount;
        a_held[r.k_buyer] := a_held[r.k_buyer] + r.o_amount; a_now[r.k_buyer] := r.m_now;
      END IF;
      v_ran := array_append(v_ran, r.n::integer);
      v_res := r.o_id; v_hash := r.m_hash; v_src := r.n;
      id := r.o_id; user_id := r.o_user; currency := r.o_currency; amount := r.o_amount;
      status := 'open'; created_at := r.o_created; updated_at := r.o_updated;
    END IF;
    IF r.m_key <> '' THEN
      st_res[r.n] := v_res; st_hash[r.n] := v_hash; st_src[r.n] := v_src;
    END IF;
    RETURN NEXT;
  END LOOP;
  IF cardinality(v_ran) = 0 THEN RETURN; END IF;

  -- The escrows: each buyer's account once (it exists: it had what is held now).
  UPDATE accounts a SET held = a.held + w3w_amt(x.held), updated_at = w3w_ts(x.now_us)
    FROM unnest(a_user, a_cur, a_held, a_now) AS x(uid, cur, held, now_us)
   WHERE x.now_us IS NOT NULL AND a.user_id = x.uid AND a.currency = x.cur;
  INSERT INTO orders (id, user_id, currency, amount, status, created_at, updated_at)
  SELECT u.oid, u.uid, u.cur, w3w_amt(u.amt), 'open', w3w_ts(u.created), w3w_ts(u.updated)
    FROM unnest(v_ran) WITH ORDINALITY AS d(n, pos)
    JOIN unnest(p_id, p_user, p_currency, p_amount, p_created, p_updated) WITH ORDINALITY
      AS u(oid, uid, cur, amt, created, updated, n) USING (n)
   ORDER BY d.pos;
  -- Which order each item is of, made apart (MATERIALIZED): joined inside the generate_series
  -- the planner rescanned all items per order.
  WITH own AS MATERIALIZED (
    SELECT d.pos, u.oid, g.i, g.i - u.first + 1 AS position
      FROM unnest(v_ran) WITH ORDINALITY AS d(n, pos)
      JOIN unnest(p_id, p_item_first, p_item_count) WITH ORDINALITY AS u(oid, first, cnt, n) USING (n)
      CROSS JOIN LATERAL generate_series(u.first, u.first + u.cnt - 1) AS g(i))
  INSERT INTO order_items (id, order_id, position, product_id, product_name, price, quantity)
  SELECT it.iid, own.oid, own.position, it.pid, it.name, w3w_amt(it.price), it.qty
    FROM own
    JOIN unnest(p_item_ids, p_product_ids, p_names, p_prices, p_quantities) WITH ORDINALITY
      AS it(iid, pid, name, price, qty, i) ON it.i = own.i
   ORDER BY own.pos, own.i;
  PERFORM w3w_batch_record(v_ran, e_id, e_type, e_topic, e_aggregate, e_actor, e_region, e_at,
    e_payload, a_id, a_actor, a_action, a_target, a_outcome, a_at);
  PERFORM w3w_batch_keys_write(v_ran, p_actor, p_key, p_hash, p_now, p_expires, p_id);
END $$;

-- ---- claims --------------------------------------------------------------------------------
-- As version 8 decides them (see 005_batch.sql), with less work per claim: the orders are read
-- with their lock (one index probe each, never a scan of the table); the orders and supplies
-- are updated by id; the events carry their facts (claimed order's owner, supply) from the
-- decisions instead of the trigger's two lookups per event.
CREATE OR REPLACE FUNCTION w3w_claim_create_batch(p_actor uuid[], p_key text[], p_hash bytea[],
  p_expires bigint[], p_now bigint[], e_id uuid[], e_type text[], e_topic text[],
  e_aggregate uuid[], e_actor uuid[], e_region text[], e_at bigint[], e_payload text[],
  a_id uuid[], a_actor uuid[], a_action text[], a_target uuid[], a_outcome text[], a_at bigint[],
  p_id uuid[], p_order uuid[], p_user uuid[], p_claimed bigint[])
RETURNS TABLE (idx integer, code text, message text, replayed boolean, id uuid, order_id uuid,
  user_id uuid, supply_id uuid, status text, claimed_at bigint, processed_at bigint,
  released_at bigint, order_user_id uuid, event_seq bigint)
LANGUAGE plpgsql SET jit = off SET enable_seqscan = off AS $$
#variable_conflict use_column
DECLARE
  r record;
  v_now timestamptz; v_hash bytea; v_result uuid; k integer; v_pick integer;
  v_prev uuid; v_prev_won boolean := false;
  -- the batch's orders, locked
  o_id uuid[]; o_user uuid[]; o_status text[]; o_cur text[]; o_amt numeric[];
  -- the claimers' active supplies, oldest first, and the room each has left
  s_id uuid[]; s_user uuid[]; s_cur text[]; s_room bigint[];
  -- the claims made, in claiming order: element, supply, units, the order's owner, the order,
  -- the element's time; which were written in the loop
  v_done integer[] := '{}'; v_sup uuid[] := '{}'; v_units bigint[] := '{}'; v_written integer[] := '{}';
  v_owners uuid[] := '{}'; v_orders uuid[] := '{}'; v_nows bigint[] := '{}';
  v_users uuid[]; v_payload text[];
BEGIN
  SELECT array_agg(o.id), array_agg(o.user_id), array_agg(o.status), array_agg(o.currency),
         array_agg(o.amount)
    INTO o_id, o_user, o_status, o_cur, o_amt
    FROM (SELECT DISTINCT x.oid FROM unnest(p_order) AS x(oid) ORDER BY x.oid) x
    JOIN LATERAL (SELECT o.id, o.user_id, o.status::text, o.currency::text, o.amount FROM orders o
                   WHERE o.id = x.oid FOR UPDATE) o ON true;
  v_users := ARRAY(SELECT DISTINCT x.uid FROM unnest(p_user) AS x(uid));
  PERFORM 1 FROM supplies s WHERE s.user_id = ANY(v_users) AND s.status = 'active'
   ORDER BY s.id FOR UPDATE;
  SELECT array_agg(s.id ORDER BY s.created_at, s.id), array_agg(s.user_id ORDER BY s.created_at, s.id),
         array_agg(s.currency::text ORDER BY s.created_at, s.id),
         array_agg(w3w_units(s.amount - s.reserved) ORDER BY s.created_at, s.id)
    INTO s_id, s_user, s_cur, s_room
    FROM supplies s WHERE s.user_id = ANY(v_users) AND s.status = 'active';

  FOR r IN SELECT u.*, o.user_id AS o_user, o.status AS o_status, o.currency AS o_cur,
        o.amount AS o_amt, w3w_units(o.amount) AS o_units
      FROM unnest(p_actor, p_key, p_hash, p_expires, p_now, p_id, p_order, p_user, p_claimed)
        WITH ORDINALITY AS u(m_actor, m_key, m_hash, m_expires, m_now, c_id, c_order, c_user,
          c_claimed, n)
      LEFT JOIN unnest(o_id, o_user, o_status, o_cur, o_amt) AS o(id, user_id, status, currency, amount)
        ON o.id = u.c_order
     ORDER BY u.c_order, u.n LOOP
    idx := r.n; code := NULL; message := NULL; replayed := false; event_seq := 0;
    v_result := NULL;
    IF r.m_key <> '' THEN
      v_now := w3w_ts(r.m_now);
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
    v_owners := array_append(v_owners, r.o_user);
    v_orders := array_append(v_orders, r.c_order);
    v_nows := array_append(v_nows, r.m_now);
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

  -- From one array pair, not a join of the element arrays: the planner then probes the index
  -- per order rather than merging with a walk of the whole index.
  UPDATE orders o SET status = 'claimed', updated_at = w3w_ts(u.now_us)
    FROM unnest(v_orders, v_nows) AS u(oid, now_us)
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
  -- The facts the trigger would add (w3w_outbox_facts, the same expression): only the claims
  -- made get events, so the others' payloads stay as given.
  SELECT array_agg(CASE WHEN t.sid IS NULL THEN u.payload
           ELSE (coalesce(u.payload, '{}')::jsonb
                 || jsonb_build_object('supply_id', t.sid, 'order_user_id', t.owner))::text END
           ORDER BY u.n)
    INTO v_payload
    FROM unnest(e_payload) WITH ORDINALITY AS u(payload, n)
    LEFT JOIN unnest(v_done, v_sup, v_owners) AS t(n, sid, owner) USING (n);
  PERFORM w3w_batch_record(v_done, e_id, e_type, e_topic, e_aggregate, e_actor, e_region, e_at,
    v_payload, a_id, a_actor, a_action, a_target, a_outcome, a_at);
END $$;

-- This file is migration 11: the library applies it in one transaction and records it.
INSERT INTO schema_version (version) VALUES (11);
