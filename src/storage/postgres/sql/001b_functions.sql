-- Schema version 1, part 2: the functions behind the write commands.
--
-- Each command is one call: SELECT * FROM w3w_<command>(...) in autocommit, so one round
-- trip and one transaction. A function decides with conditional UPDATEs and unique indexes
-- (the database decides, never a check-then-write in C), writes the outbox event and the
-- audit record, and returns the resulting rows: `replayed` first, the event's outbox seq
-- last (0 on a replay). Any refusal raises a W3xxx SQLSTATE, which rolls back everything
-- the call wrote, the idempotency key included: a refused command leaves nothing. The
-- codes are those of pg.h (W3W__PG_SQLSTATE_*): W3001 not found, W3002 conflict,
-- W3003 insufficient funds, W3004 forbidden, W3005 wrong state, W3006 idempotency key
-- reused, W3099 an invariant of the data does not hold.
--
-- Lock order, the same in every function so they cannot deadlock each other: claims,
-- orders, accounts (by user_id), supplies.
--
-- Parameters: every write function starts with the same 19 (p_actor ... a_at), in the
-- order w3w__pg_p_meta() (pg_params.c) sends them. `#variable_conflict use_column`:
-- out-parameter names are column names too, and in SQL a bare name means the column.

-- Refuse the command: the whole call rolls back.
CREATE FUNCTION w3w_fail(code text, msg text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION USING ERRCODE = code, MESSAGE = msg; END $$;

-- Idempotency: NULL = go ahead (the key, if any, is now ours: inserted,
-- or an expired one replaced); else the result id of the first
-- execution to replay. A concurrent first execution with the same key
-- holds the key's index entry: we wait for it, then replay it (or take
-- over if it rolled back). Same key, different request hash: refused.
CREATE FUNCTION w3w_idem_begin(p_actor uuid, p_key text, p_hash bytea, p_expires bigint,
  p_now bigint, p_result uuid) RETURNS uuid LANGUAGE plpgsql AS $$
DECLARE v_hash bytea; v_result uuid;
BEGIN
  IF p_key IS NULL OR p_key = '' THEN RETURN NULL; END IF;
  INSERT INTO idempotency_keys AS k (actor_id, key, request_hash, result_id, created_at, expires_at)
  VALUES (p_actor, p_key, p_hash, p_result, w3w_ts(p_now), w3w_ts(p_expires))
  ON CONFLICT (actor_id, key) DO UPDATE SET request_hash = EXCLUDED.request_hash,
    result_id = EXCLUDED.result_id, created_at = EXCLUDED.created_at,
      expires_at = EXCLUDED.expires_at
  WHERE k.expires_at <= EXCLUDED.created_at;
  IF FOUND THEN RETURN NULL; END IF;
  SELECT request_hash, result_id INTO v_hash, v_result FROM idempotency_keys
   WHERE actor_id = p_actor AND key = p_key;
  IF NOT FOUND THEN
    -- purged between the two statements: run the call again
    PERFORM w3w_fail('40001', 'idempotency key vanished meanwhile');
  END IF;
  IF v_hash <> p_hash THEN
    PERFORM w3w_fail('W3006',
      'idempotency key reused with a different request');
  END IF;
  RETURN v_result;
END $$;

-- The outbox event and the audit record of a successful command.
-- PL/pgSQL, not SQL: its statement plans are cached per session instead of re-planned per call.
CREATE FUNCTION w3w_record(e_id uuid, e_type text, e_topic text, e_aggregate uuid, e_actor uuid,
  e_region text, e_at bigint, e_payload text, a_id uuid, a_actor uuid, a_action text,
  a_target uuid, a_outcome text, a_at bigint) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE v_seq bigint;
BEGIN
  INSERT INTO audit_log (id, actor_id, action, target_id, outcome, created_at)
  VALUES (a_id, a_actor, a_action, a_target, a_outcome, w3w_ts(a_at));
  INSERT INTO outbox (id, type, topic, aggregate_id, actor_id, region, created_at, payload)
  VALUES (e_id, e_type, e_topic, e_aggregate, e_actor, e_region, w3w_ts(e_at), coalesce(e_payload,
    '{}'))
  RETURNING seq INTO v_seq;
  RETURN v_seq;
END $$;

-- ---- ledger ----------------------------------------------------------
CREATE FUNCTION w3w_transfer(p_actor uuid, p_key text, p_hash bytea, p_expires bigint, p_now bigint,
  e_id uuid, e_type text, e_topic text, e_aggregate uuid, e_actor uuid, e_region text, e_at bigint,
  e_payload text, a_id uuid, a_actor uuid, a_action text, a_target uuid, a_outcome text,
  a_at bigint, p_id uuid, p_kind text, p_from uuid, p_to uuid,
  p_currency text, p_amount bigint, p_reference text, p_created bigint)
RETURNS TABLE (replayed boolean, id uuid, kind text, from_user_id uuid, to_user_id uuid,
  currency text, amount bigint, reference text, created_at bigint, event_seq bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  v_replay uuid;
  v_seq bigint := 0;
  v_amt numeric := w3w_amt(p_amount);
  v_now timestamptz := w3w_ts(p_now);
  v_at timestamptz := w3w_ts(p_created);
  v_nil CONSTANT uuid := '00000000-0000-0000-0000-000000000000';
BEGIN
  v_replay := w3w_idem_begin(p_actor, p_key, p_hash, p_expires, p_now, p_id);
  IF v_replay IS NULL THEN
    INSERT INTO transfers (id, kind, from_user_id, to_user_id, currency, amount, reference,
      created_at)
    VALUES (p_id, p_kind, p_from, p_to, p_currency, v_amt, p_reference, v_at)
    ON CONFLICT (reference) WHERE kind = 'deposit' DO NOTHING;
    IF NOT FOUND THEN
      PERFORM w3w_fail('W3002',
        format('deposit reference %s was already used', p_reference));
    END IF;
    -- Both accounts locked in one order: opposite transfers cannot deadlock.
    PERFORM 1 FROM accounts WHERE currency = p_currency AND user_id IN (p_from, p_to)
     ORDER BY user_id FOR UPDATE;
    IF p_from <> v_nil THEN
      UPDATE accounts SET balance = balance - v_amt, updated_at = v_now
       WHERE user_id = p_from AND currency = p_currency AND balance - held >= v_amt;
      IF NOT FOUND THEN
        PERFORM w3w_fail('W3003',
          format('available %s of user %s is less than %s', p_currency, p_from, v_amt));
      END IF;
    END IF;
    IF p_to <> v_nil THEN
      INSERT INTO accounts AS a (user_id, currency, balance, held, updated_at)
      VALUES (p_to, p_currency, v_amt, 0, v_now)
      ON CONFLICT (user_id, currency) DO UPDATE
        SET balance = a.balance + EXCLUDED.balance, updated_at = EXCLUDED.updated_at;
    END IF;
    INSERT INTO ledger_entries (transfer_id, user_id, currency, amount, created_at)
    VALUES (p_id, p_from, p_currency, -v_amt, v_at), (p_id, p_to, p_currency, v_amt, v_at);
    v_seq := w3w_record(e_id, e_type, e_topic, e_aggregate, e_actor, e_region, e_at, e_payload,
      a_id, a_actor, a_action, a_target, a_outcome, a_at);
  END IF;
  RETURN QUERY SELECT v_replay IS NOT NULL, t.*, v_seq FROM w3w_transfer_v t
   WHERE t.id = coalesce(v_replay, p_id);
END $$;

-- ---- supplies --------------------------------------------------------
CREATE FUNCTION w3w_supply_create(p_actor uuid, p_key text, p_hash bytea, p_expires bigint,
  p_now bigint, e_id uuid, e_type text, e_topic text, e_aggregate uuid, e_actor uuid, e_region text,
  e_at bigint, e_payload text, a_id uuid, a_actor uuid, a_action text, a_target uuid,
  a_outcome text, a_at bigint, p_id uuid, p_user uuid, p_currency text,
  p_amount bigint, p_reserved bigint, p_status text, p_created bigint, p_updated bigint)
RETURNS TABLE (replayed boolean, id uuid, user_id uuid, currency text, amount bigint,
  reserved bigint, status text, created_at bigint, updated_at bigint, event_seq bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE v_replay uuid; v_seq bigint := 0;
BEGIN
  v_replay := w3w_idem_begin(p_actor, p_key, p_hash, p_expires, p_now, p_id);
  IF v_replay IS NULL THEN
    INSERT INTO supplies (id, user_id, currency, amount, reserved, status, created_at, updated_at)
    VALUES (p_id, p_user, p_currency, w3w_amt(p_amount), w3w_amt(p_reserved), p_status,
  w3w_ts(p_created), w3w_ts(p_updated));
    v_seq := w3w_record(e_id, e_type, e_topic, e_aggregate, e_actor, e_region, e_at, e_payload,
      a_id, a_actor, a_action, a_target, a_outcome, a_at);
  END IF;
  RETURN QUERY SELECT v_replay IS NOT NULL, s.*,
    v_seq FROM w3w_supply_v s WHERE s.id = coalesce(v_replay, p_id);
END $$;

CREATE FUNCTION w3w_supply_update(p_actor uuid, p_key text, p_hash bytea, p_expires bigint,
  p_now bigint, e_id uuid, e_type text, e_topic text, e_aggregate uuid, e_actor uuid, e_region text,
  e_at bigint, e_payload text, a_id uuid, a_actor uuid, a_action text, a_target uuid,
  a_outcome text, a_at bigint, p_id uuid, p_user uuid, p_set_amount boolean,
  p_amount bigint, p_status text)
RETURNS TABLE (replayed boolean, id uuid, user_id uuid, currency text, amount bigint,
  reserved bigint, status text, created_at bigint, updated_at bigint, event_seq bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE v_replay uuid; v_seq bigint := 0; v_row supplies%ROWTYPE; v_amount numeric; v_status text;
BEGIN
  v_replay := w3w_idem_begin(p_actor, p_key, p_hash, p_expires, p_now, p_id);
  IF v_replay IS NULL THEN
    SELECT * INTO v_row FROM supplies WHERE id = p_id AND user_id = p_user FOR UPDATE;
    IF NOT FOUND THEN
      PERFORM w3w_fail('W3001', format('supply %s not found', p_id));
    END IF;
    IF v_row.status = 'deleted' THEN
      PERFORM w3w_fail('W3005', format('supply %s is deleted', p_id));
    END IF;
    v_amount := CASE WHEN p_set_amount THEN w3w_amt(p_amount) ELSE v_row.amount END;
    IF v_amount < v_row.reserved THEN
      PERFORM w3w_fail('W3002',
        format('supply %s: amount %s is below its reserved %s', p_id, v_amount, v_row.reserved));
    END IF;
    v_status := CASE WHEN p_status IS NOT NULL THEN p_status
                     WHEN p_set_amount AND v_amount = 0 THEN 'exhausted'
                     WHEN p_set_amount AND v_row.status = 'exhausted' THEN 'active'
                     ELSE v_row.status END;
    UPDATE supplies SET amount = v_amount, status = v_status, updated_at = w3w_ts(p_now)
     WHERE id = p_id;
    v_seq := w3w_record(e_id, e_type, e_topic, e_aggregate, e_actor, e_region, e_at, e_payload,
      a_id, a_actor, a_action, a_target, a_outcome, a_at);
  END IF;
  RETURN QUERY SELECT v_replay IS NOT NULL, s.*,
    v_seq FROM w3w_supply_v s WHERE s.id = coalesce(v_replay, p_id);
END $$;

CREATE FUNCTION w3w_supply_delete(p_actor uuid, p_key text, p_hash bytea, p_expires bigint,
  p_now bigint, e_id uuid, e_type text, e_topic text, e_aggregate uuid, e_actor uuid, e_region text,
  e_at bigint, e_payload text, a_id uuid, a_actor uuid, a_action text, a_target uuid,
  a_outcome text, a_at bigint, p_id uuid, p_user uuid)
RETURNS TABLE (replayed boolean, id uuid, user_id uuid, currency text, amount bigint,
  reserved bigint, status text, created_at bigint, updated_at bigint, event_seq bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE v_replay uuid; v_seq bigint := 0; v_row supplies%ROWTYPE;
BEGIN
  v_replay := w3w_idem_begin(p_actor, p_key, p_hash, p_expires, p_now, p_id);
  IF v_replay IS NULL THEN
    SELECT * INTO v_row FROM supplies WHERE id = p_id AND user_id = p_user FOR UPDATE;
    IF NOT FOUND THEN
      PERFORM w3w_fail('W3001', format('supply %s not found', p_id));
    END IF;
    IF v_row.status = 'deleted' THEN
      PERFORM w3w_fail('W3005', format('supply %s is already deleted', p_id));
    END IF;
    IF v_row.reserved > 0 THEN
      PERFORM w3w_fail('W3002',
        format('supply %s has %s reserved by live claims', p_id, v_row.reserved));
    END IF;
    UPDATE supplies SET status = 'deleted', updated_at = w3w_ts(p_now) WHERE id = p_id;
    v_seq := w3w_record(e_id, e_type, e_topic, e_aggregate, e_actor, e_region, e_at, e_payload,
      a_id, a_actor, a_action, a_target, a_outcome, a_at);
  END IF;
  RETURN QUERY SELECT v_replay IS NOT NULL, s.*,
    v_seq FROM w3w_supply_v s WHERE s.id = coalesce(v_replay, p_id);
END $$;

-- ---- orders ----------------------------------------------------------
CREATE FUNCTION w3w_order_create(p_actor uuid, p_key text, p_hash bytea, p_expires bigint,
  p_now bigint, e_id uuid, e_type text, e_topic text, e_aggregate uuid, e_actor uuid, e_region text,
  e_at bigint, e_payload text, a_id uuid, a_actor uuid, a_action text, a_target uuid,
  a_outcome text, a_at bigint, p_id uuid, p_user uuid, p_currency text,
  p_amount bigint, p_created bigint, p_updated bigint, p_item_ids uuid[], p_product_ids uuid[],
  p_names text[], p_prices bigint[], p_quantities bigint[])
RETURNS TABLE (replayed boolean, id uuid, user_id uuid, currency text, amount bigint, status text,
  created_at bigint, updated_at bigint, item_id uuid, product_id uuid, product_name text,
  price bigint, quantity bigint, event_seq bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE v_replay uuid; v_seq bigint := 0; v_amt numeric := w3w_amt(p_amount);
BEGIN
  v_replay := w3w_idem_begin(p_actor, p_key, p_hash, p_expires, p_now, p_id);
  IF v_replay IS NULL THEN
    -- The escrow: held only if available; a missing account has 0.
    IF v_amt > 0 THEN
      UPDATE accounts SET held = held + v_amt, updated_at = w3w_ts(p_now)
       WHERE user_id = p_user AND currency = p_currency AND balance - held >= v_amt;
      IF NOT FOUND THEN
        PERFORM w3w_fail('W3003',
          format('available %s of user %s is less than %s', p_currency, p_user, v_amt));
      END IF;
    END IF;
    INSERT INTO orders (id, user_id, currency, amount, status, created_at, updated_at)
    VALUES (p_id, p_user, p_currency, v_amt, 'open', w3w_ts(p_created), w3w_ts(p_updated));
    INSERT INTO order_items (id, order_id, position, product_id, product_name, price, quantity)
    SELECT i.iid, p_id, i.n, i.pid, i.name, w3w_amt(i.unit), i.qty
      FROM unnest(p_item_ids, p_product_ids, p_names, p_prices, p_quantities) WITH ORDINALITY
        AS i(iid, pid, name, unit, qty, n);
    v_seq := w3w_record(e_id, e_type, e_topic, e_aggregate, e_actor, e_region, e_at, e_payload,
      a_id, a_actor, a_action, a_target, a_outcome, a_at);
  END IF;
  RETURN QUERY SELECT v_replay IS NOT NULL, v.id, v.user_id, v.currency, v.amount, v.status,
    v.created_at, v.updated_at, v.item_id, v.product_id, v.product_name, v.price, v.quantity,
    v_seq FROM w3w_order_item_v v WHERE v.id = coalesce(v_replay, p_id) ORDER BY v.position;
END $$;

CREATE FUNCTION w3w_order_cancel(p_actor uuid, p_key text, p_hash bytea, p_expires bigint,
  p_now bigint, e_id uuid, e_type text, e_topic text, e_aggregate uuid, e_actor uuid, e_region text,
  e_at bigint, e_payload text, a_id uuid, a_actor uuid, a_action text, a_target uuid,
  a_outcome text, a_at bigint, p_id uuid, p_user uuid, p_any_owner boolean)
RETURNS TABLE (replayed boolean, id uuid, user_id uuid, currency text, amount bigint, status text,
  created_at bigint, updated_at bigint, item_id uuid, product_id uuid, product_name text,
  price bigint, quantity bigint, event_seq bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE v_replay uuid; v_seq bigint := 0; v_row orders%ROWTYPE;
BEGIN
  v_replay := w3w_idem_begin(p_actor, p_key, p_hash, p_expires, p_now, p_id);
  IF v_replay IS NULL THEN
    SELECT * INTO v_row FROM orders WHERE id = p_id FOR UPDATE;
    IF NOT FOUND THEN
      PERFORM w3w_fail('W3001', format('order %s not found', p_id));
    END IF;
    IF NOT p_any_owner AND v_row.user_id <> p_user THEN
      PERFORM w3w_fail('W3004',
        format('order %s belongs to another user', p_id));
    END IF;
    IF v_row.status = 'claimed' THEN
      PERFORM w3w_fail('W3002', format('order %s is claimed', p_id));
    ELSIF v_row.status <> 'open' THEN
      PERFORM w3w_fail('W3005', format('order %s is %s', p_id, v_row.status));
    END IF;
    UPDATE orders SET status = 'cancelled', updated_at = w3w_ts(p_now) WHERE id = p_id;
    IF v_row.amount > 0 THEN
      UPDATE accounts SET held = held - v_row.amount, updated_at = w3w_ts(p_now)
       WHERE user_id = v_row.user_id AND currency = v_row.currency AND held >= v_row.amount;
      IF NOT FOUND THEN
        PERFORM w3w_fail('W3099', format('escrow of order %s is not held', p_id));
      END IF;
    END IF;
    v_seq := w3w_record(e_id, e_type, e_topic, e_aggregate, e_actor, e_region, e_at, e_payload,
      a_id, a_actor, a_action, a_target, a_outcome, a_at);
  END IF;
  RETURN QUERY SELECT v_replay IS NOT NULL, v.id, v.user_id, v.currency, v.amount, v.status,
    v.created_at, v.updated_at, v.item_id, v.product_id, v.product_name, v.price, v.quantity,
    v_seq FROM w3w_order_item_v v WHERE v.id = coalesce(v_replay, p_id) ORDER BY v.position;
END $$;

-- ---- claims ----------------------------------------------------------
CREATE FUNCTION w3w_claim_create(p_actor uuid, p_key text, p_hash bytea, p_expires bigint,
  p_now bigint, e_id uuid, e_type text, e_topic text, e_aggregate uuid, e_actor uuid, e_region text,
  e_at bigint, e_payload text, a_id uuid, a_actor uuid, a_action text, a_target uuid,
  a_outcome text, a_at bigint, p_id uuid, p_order uuid, p_user uuid,
  p_claimed bigint)
RETURNS TABLE (replayed boolean, id uuid, order_id uuid, user_id uuid, supply_id uuid, status text,
  claimed_at bigint, processed_at bigint, released_at bigint, order_user_id uuid, event_seq bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE v_replay uuid; v_seq bigint := 0; v_currency text; v_amt numeric; v_owner uuid; v_status text;
  v_supply uuid; v_now timestamptz := w3w_ts(p_now);
BEGIN
  v_replay := w3w_idem_begin(p_actor, p_key, p_hash, p_expires, p_now, p_id);
  IF v_replay IS NULL THEN
    -- Only one transaction can move the order out of 'open'; the others wait, recheck, miss.
    UPDATE orders SET status = 'claimed', updated_at = v_now
     WHERE id = p_order AND status = 'open' AND user_id <> p_user
     RETURNING currency, amount INTO v_currency, v_amt;
    IF NOT FOUND THEN
      SELECT o.user_id, o.status INTO v_owner, v_status FROM orders o WHERE o.id = p_order;
      IF NOT FOUND THEN
        PERFORM w3w_fail('W3001', format('order %s not found', p_order));
      ELSIF v_owner = p_user THEN
        PERFORM w3w_fail('W3004',
          format('order %s is the claimer''s own order', p_order));
      ELSIF v_status = 'cancelled' THEN
        PERFORM w3w_fail('W3005', format('order %s is cancelled', p_order));
      ELSE
        -- claimed, completed (or reopened since the UPDATE looked: still a lost race)
        PERFORM w3w_fail('W3002',
          format('order %s is already %s', p_order, v_status));
      END IF;
    END IF;
    -- The claimer's oldest active supply with room, locked and rechecked by FOR UPDATE.
    UPDATE supplies SET reserved = reserved + v_amt, updated_at = v_now
     WHERE id = (SELECT s.id FROM supplies s
                  WHERE s.user_id = p_user AND s.currency = v_currency AND s.status = 'active'
                    AND s.amount - s.reserved >= v_amt
                  ORDER BY s.created_at, s.id LIMIT 1 FOR UPDATE)
     RETURNING id INTO v_supply;
    IF NOT FOUND THEN
      PERFORM w3w_fail('W3003',
        format('no active %s supply of user %s has %s unreserved', v_currency, p_user, v_amt));
    END IF;
    -- uq_claims_live_order refuses a second live claim even if the above were wrong.
    INSERT INTO claims (id, order_id, user_id, supply_id, status, claimed_at)
    VALUES (p_id, p_order, p_user, v_supply, 'pending', w3w_ts(p_claimed));
    v_seq := w3w_record(e_id, e_type, e_topic, e_aggregate, e_actor, e_region, e_at, e_payload,
      a_id, a_actor, a_action, a_target, a_outcome, a_at);
  END IF;
  RETURN QUERY SELECT v_replay IS NOT NULL, c.*,
    v_seq FROM w3w_claim_v c WHERE c.id = coalesce(v_replay, p_id);
END $$;

CREATE FUNCTION w3w_claim_process(p_actor uuid, p_key text, p_hash bytea, p_expires bigint,
  p_now bigint, e_id uuid, e_type text, e_topic text, e_aggregate uuid, e_actor uuid, e_region text,
  e_at bigint, e_payload text, a_id uuid, a_actor uuid, a_action text, a_target uuid,
  a_outcome text, a_at bigint, p_id uuid, p_transfer uuid,
  p_transfer_at bigint)
RETURNS TABLE (replayed boolean, id uuid, order_id uuid, user_id uuid, supply_id uuid, status text,
  claimed_at bigint, processed_at bigint, released_at bigint, order_user_id uuid, t_id uuid,
  t_kind text, t_from uuid, t_to uuid,
  t_currency text, t_amount bigint, t_reference text, t_created_at bigint, event_seq bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE v_replay uuid; v_seq bigint := 0; v_order uuid; v_claimer uuid; v_supply uuid; v_buyer uuid;
  v_currency text; v_amt numeric; v_status text;
  v_now timestamptz := w3w_ts(p_now); v_at timestamptz := w3w_ts(p_transfer_at);
BEGIN
  v_replay := w3w_idem_begin(p_actor, p_key, p_hash, p_expires, p_now, p_id);
  IF v_replay IS NULL THEN
    UPDATE claims SET status = 'processed', processed_at = v_now
     WHERE id = p_id AND status = 'pending'
     RETURNING order_id, user_id, supply_id INTO v_order, v_claimer, v_supply;
    IF NOT FOUND THEN
      SELECT c.status INTO v_status FROM claims c WHERE c.id = p_id;
      IF NOT FOUND THEN
        PERFORM w3w_fail('W3001', format('claim %s not found', p_id));
      END IF;
      PERFORM w3w_fail('W3005', format('claim %s is %s', p_id, v_status));
    END IF;
    UPDATE orders SET status = 'completed', updated_at = v_now
     WHERE id = v_order AND status = 'claimed'
     RETURNING user_id, currency, amount INTO v_buyer, v_currency, v_amt;
    IF NOT FOUND THEN
      PERFORM w3w_fail('W3099',
        format('order %s of claim %s is not claimed', v_order, p_id));
    END IF;
    PERFORM 1 FROM accounts WHERE currency = v_currency AND user_id IN (v_buyer, v_claimer)
     ORDER BY user_id FOR UPDATE;
    UPDATE accounts SET balance = balance - v_amt, held = held - v_amt, updated_at = v_now
     WHERE user_id = v_buyer AND currency = v_currency AND held >= v_amt;
    IF NOT FOUND THEN
      PERFORM w3w_fail('W3099', format('escrow of order %s is not held', v_order));
    END IF;
    INSERT INTO accounts AS a (user_id, currency, balance, held, updated_at)
    VALUES (v_claimer, v_currency, v_amt, 0, v_now)
    ON CONFLICT (user_id, currency) DO UPDATE
      SET balance = a.balance + EXCLUDED.balance, updated_at = EXCLUDED.updated_at;
    INSERT INTO transfers (id, kind, from_user_id, to_user_id, currency, amount, reference,
      created_at)
    VALUES (p_transfer, 'settlement', v_buyer, v_claimer, v_currency, v_amt, p_id::text, v_at);
    INSERT INTO ledger_entries (transfer_id, user_id, currency, amount, created_at)
    VALUES (p_transfer, v_buyer, v_currency, -v_amt, v_at), (p_transfer, v_claimer, v_currency,
      v_amt, v_at);
    -- Capacity used: amount and reserved both drop; nothing left means exhausted.
    UPDATE supplies SET amount = amount - v_amt, reserved = reserved - v_amt,
           status = CASE WHEN amount - v_amt = 0 THEN 'exhausted' ELSE status END,
             updated_at = v_now
     WHERE id = v_supply AND reserved >= v_amt;
    IF NOT FOUND THEN
      PERFORM w3w_fail('W3099',
        format('supply %s does not hold the reservation of claim %s', v_supply, p_id));
    END IF;
    v_seq := w3w_record(e_id, e_type, e_topic, e_aggregate, e_actor, e_region, e_at, e_payload,
      a_id, a_actor, a_action, a_target, a_outcome, a_at);
  END IF;
  RETURN QUERY SELECT v_replay IS NOT NULL, c.*, t.*, v_seq FROM w3w_claim_v c
    LEFT JOIN w3w_transfer_v t ON t.kind = 'settlement' AND t.reference = c.id::text
   WHERE c.id = coalesce(v_replay, p_id);
END $$;

CREATE FUNCTION w3w_claim_release(p_actor uuid, p_key text, p_hash bytea, p_expires bigint,
  p_now bigint, e_id uuid, e_type text, e_topic text, e_aggregate uuid, e_actor uuid, e_region text,
  e_at bigint, e_payload text, a_id uuid, a_actor uuid, a_action text, a_target uuid,
  a_outcome text, a_at bigint, p_id uuid)
RETURNS TABLE (replayed boolean, id uuid, order_id uuid, user_id uuid, supply_id uuid, status text,
  claimed_at bigint, processed_at bigint, released_at bigint, order_user_id uuid, event_seq bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE v_replay uuid; v_seq bigint := 0; v_order uuid; v_supply uuid; v_amt numeric; v_status text;
  v_now timestamptz := w3w_ts(p_now);
BEGIN
  v_replay := w3w_idem_begin(p_actor, p_key, p_hash, p_expires, p_now, p_id);
  IF v_replay IS NULL THEN
    UPDATE claims SET status = 'released', released_at = v_now
     WHERE id = p_id AND status = 'pending'
     RETURNING order_id, supply_id INTO v_order, v_supply;
    IF NOT FOUND THEN
      SELECT c.status INTO v_status FROM claims c WHERE c.id = p_id;
      IF NOT FOUND THEN
        PERFORM w3w_fail('W3001', format('claim %s not found', p_id));
      END IF;
      PERFORM w3w_fail('W3005', format('claim %s is %s', p_id, v_status));
    END IF;
    -- The order is open again; its escrow stays held.
    UPDATE orders SET status = 'open', updated_at = v_now
     WHERE id = v_order AND status = 'claimed' RETURNING amount INTO v_amt;
    IF NOT FOUND THEN
      PERFORM w3w_fail('W3099',
        format('order %s of claim %s is not claimed', v_order, p_id));
    END IF;
    UPDATE supplies SET reserved = reserved - v_amt, updated_at = v_now
     WHERE id = v_supply AND reserved >= v_amt;
    IF NOT FOUND THEN
      PERFORM w3w_fail('W3099',
        format('supply %s does not hold the reservation of claim %s', v_supply, p_id));
    END IF;
    v_seq := w3w_record(e_id, e_type, e_topic, e_aggregate, e_actor, e_region, e_at, e_payload,
      a_id, a_actor, a_action, a_target, a_outcome, a_at);
  END IF;
  RETURN QUERY SELECT v_replay IS NOT NULL, c.*,
    v_seq FROM w3w_claim_v c WHERE c.id = coalesce(v_replay, p_id);
END $$;

-- ---- outbox ----------------------------------------------------------
-- One relay at a time, so per-key order survives several relays: under
-- the outbox lock (taken first, so the statements after it see every
-- lease committed before), nothing is handed out while any unsent event
-- is under a live lease; otherwise the first p_max unsent events in seq
-- order are leased. A batch not acknowledged in time is retaken, in
-- order, once its lease ends. Clock: the server's, at the moment.
CREATE FUNCTION w3w_outbox_take(p_max integer, p_lease_ms integer)
RETURNS TABLE (seq bigint, id uuid, type text, topic text, aggregate_id uuid, actor_id uuid,
  region text, created_at bigint, payload text)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
BEGIN
  PERFORM pg_advisory_xact_lock(87333, hashtext(current_schema()));
  IF EXISTS (SELECT 1 FROM outbox o WHERE o.sent_at IS NULL AND o.lease_until > clock_timestamp()) THEN
    RETURN;
  END IF;
  RETURN QUERY WITH taken AS (
    UPDATE outbox o SET lease_until = clock_timestamp() + p_lease_ms * interval '1 millisecond'
     -- = ANY(ARRAY(...)), not IN (...): with a backlog the planner turned IN into a
     -- semi join scanning backlog x batch rows (seconds per take; 4-8 ms this way).
     WHERE o.seq = ANY (ARRAY(SELECT p.seq FROM outbox p WHERE p.sent_at IS NULL ORDER BY p.seq LIMIT p_max))
       AND o.sent_at IS NULL
    -- rechecked if a late ack of an expired lease got there first
    RETURNING o.seq, o.id, o.type::text, o.topic::text, o.aggregate_id, o.actor_id,
  o.region::text, w3w_us(o.created_at), o.payload)
  SELECT * FROM taken ORDER BY 1;
END $$;

-- ---- audit -----------------------------------------------------------
-- First step of sealing, inside the sealer's transaction: take the
-- sealing lock (one sealer at a time across processes), then return the
-- chain head (a row with seq NULL, if any) and up to p_max unsealed
-- records in write order. Each statement sees what committed before the
-- lock was granted.
CREATE FUNCTION w3w_audit_pending(p_max integer)
RETURNS TABLE (seq bigint, chain_pos bigint, id uuid, actor_id uuid, action text,
  target_id uuid, outcome text, created_at bigint, hash text)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
BEGIN
  PERFORM pg_advisory_xact_lock(87332, hashtext(current_schema()));
  RETURN QUERY SELECT NULL::bigint, a.chain_pos, a.id, a.actor_id, a.action::text, a.target_id,
    a.outcome::text, w3w_us(a.created_at), encode(a.hash, 'hex')
    FROM audit_log a WHERE a.chain_pos IS NOT NULL ORDER BY a.chain_pos DESC LIMIT 1;
  RETURN QUERY SELECT a.seq, NULL::bigint, a.id, a.actor_id, a.action::text, a.target_id,
    a.outcome::text, w3w_us(a.created_at), NULL::text
    FROM audit_log a WHERE a.chain_pos IS NULL ORDER BY a.seq LIMIT p_max;
END $$;

-- This file is migration 1: the library applies it in one transaction and records it.
INSERT INTO schema_version (version) VALUES (1);
