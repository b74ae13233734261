-- Schema version 5: batched commands (w3wallet/batch.h). One call runs many commands of one
-- kind in one transaction and one round trip. Parameters are the single function's, each as
-- an array with one entry per element. Each element is the single function called in its own
-- subtransaction (a BEGIN ... EXCEPTION block): a refusal (a W3xxx SQLSTATE, or a unique
-- violation) rolls back that element alone and is answered in its row; any other error
-- (deadlock, serialization failure, timeout) aborts the whole call, which the client retries.
-- One row per element: idx (1-based element number), code (the SQLSTATE, NULL on success),
-- message, then the single function's columns (not meaningful when code is set).

-- A refusal of one element, or a failure of the whole batch?
CREATE FUNCTION w3w_batch_refusal(code text) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
  SELECT code LIKE 'W3%' OR code = '23505'
$$;

CREATE FUNCTION w3w_transfer_batch(p_actor uuid[], p_key text[], p_hash bytea[],
  p_expires bigint[], p_now bigint[], e_id uuid[], e_type text[], e_topic text[],
  e_aggregate uuid[], e_actor uuid[], e_region text[], e_at bigint[], e_payload text[],
  a_id uuid[], a_actor uuid[], a_action text[], a_target uuid[], a_outcome text[], a_at bigint[],
  p_id uuid[], p_kind text[], p_from uuid[], p_to uuid[], p_currency text[], p_amount bigint[],
  p_reference text[], p_created bigint[])
RETURNS TABLE (idx integer, code text, message text, replayed boolean, id uuid, kind text,
  from_user_id uuid, to_user_id uuid, currency text, amount bigint, reference text,
  created_at bigint, event_seq bigint)
LANGUAGE plpgsql AS $$
BEGIN
  FOR i IN 1 .. coalesce(array_length(p_id, 1), 0) LOOP
    idx := i; code := NULL; message := NULL;
    BEGIN
      SELECT * INTO replayed, id, kind, from_user_id, to_user_id, currency, amount, reference,
          created_at, event_seq
        FROM w3w_transfer(p_actor[i], p_key[i], p_hash[i], p_expires[i], p_now[i], e_id[i],
          e_type[i], e_topic[i], e_aggregate[i], e_actor[i], e_region[i], e_at[i], e_payload[i],
          a_id[i], a_actor[i], a_action[i], a_target[i], a_outcome[i], a_at[i], p_id[i],
          p_kind[i], p_from[i], p_to[i], p_currency[i], p_amount[i], p_reference[i],
          p_created[i]);
    EXCEPTION WHEN OTHERS THEN
      IF NOT w3w_batch_refusal(SQLSTATE) THEN RAISE; END IF;
      code := SQLSTATE; message := SQLERRM;
    END;
    RETURN NEXT;
  END LOOP;
END $$;

-- Items of all orders in flat arrays: order i has p_item_count[i] of them from p_item_first[i].
CREATE FUNCTION w3w_order_create_batch(p_actor uuid[], p_key text[], p_hash bytea[],
  p_expires bigint[], p_now bigint[], e_id uuid[], e_type text[], e_topic text[],
  e_aggregate uuid[], e_actor uuid[], e_region text[], e_at bigint[], e_payload text[],
  a_id uuid[], a_actor uuid[], a_action text[], a_target uuid[], a_outcome text[], a_at bigint[],
  p_id uuid[], p_user uuid[], p_currency text[], p_amount bigint[], p_created bigint[],
  p_updated bigint[], p_item_first integer[], p_item_count integer[], p_item_ids uuid[],
  p_product_ids uuid[], p_names text[], p_prices bigint[], p_quantities bigint[])
RETURNS TABLE (idx integer, code text, message text, replayed boolean, id uuid, user_id uuid,
  currency text, amount bigint, status text, created_at bigint, updated_at bigint,
  event_seq bigint)
LANGUAGE plpgsql AS $$
DECLARE lo integer; hi integer;
BEGIN
  FOR i IN 1 .. coalesce(array_length(p_id, 1), 0) LOOP
    idx := i; code := NULL; message := NULL;
    lo := p_item_first[i]; hi := p_item_first[i] + p_item_count[i] - 1;
    BEGIN
      SELECT o.replayed, o.id, o.user_id, o.currency, o.amount, o.status, o.created_at,
          o.updated_at, o.event_seq
        INTO replayed, id, user_id, currency, amount, status, created_at, updated_at, event_seq
        FROM w3w_order_create(p_actor[i], p_key[i], p_hash[i], p_expires[i], p_now[i], e_id[i],
          e_type[i], e_topic[i], e_aggregate[i], e_actor[i], e_region[i], e_at[i], e_payload[i],
          a_id[i], a_actor[i], a_action[i], a_target[i], a_outcome[i], a_at[i], p_id[i],
          p_user[i], p_currency[i], p_amount[i], p_created[i], p_updated[i],
          p_item_ids[lo:hi], p_product_ids[lo:hi], p_names[lo:hi], p_prices[lo:hi],
          p_quantities[lo:hi]) o
        LIMIT 1;
    EXCEPTION WHEN OTHERS THEN
      IF NOT w3w_batch_refusal(SQLSTATE) THEN RAISE; END IF;
      code := SQLSTATE; message := SQLERRM;
    END;
    RETURN NEXT;
  END LOOP;
END $$;

CREATE FUNCTION w3w_claim_create_batch(p_actor uuid[], p_key text[], p_hash bytea[],
  p_expires bigint[], p_now bigint[], e_id uuid[], e_type text[], e_topic text[],
  e_aggregate uuid[], e_actor uuid[], e_region text[], e_at bigint[], e_payload text[],
  a_id uuid[], a_actor uuid[], a_action text[], a_target uuid[], a_outcome text[], a_at bigint[],
  p_id uuid[], p_order uuid[], p_user uuid[], p_claimed bigint[])
RETURNS TABLE (idx integer, code text, message text, replayed boolean, id uuid, order_id uuid,
  user_id uuid, supply_id uuid, status text, claimed_at bigint, processed_at bigint,
  released_at bigint, order_user_id uuid, event_seq bigint)
LANGUAGE plpgsql AS $$
DECLARE i integer;
BEGIN
  -- In order-id order (ties in element order): batches racing for the same orders lock them
  -- in one order, so they wait for each other instead of deadlocking.
  FOR i IN SELECT k FROM generate_subscripts(p_id, 1) AS k ORDER BY p_order[k], k LOOP
    idx := i; code := NULL; message := NULL;
    BEGIN
      SELECT * INTO replayed, id, order_id, user_id, supply_id, status, claimed_at, processed_at,
          released_at, order_user_id, event_seq
        FROM w3w_claim_create(p_actor[i], p_key[i], p_hash[i], p_expires[i], p_now[i], e_id[i],
          e_type[i], e_topic[i], e_aggregate[i], e_actor[i], e_region[i], e_at[i], e_payload[i],
          a_id[i], a_actor[i], a_action[i], a_target[i], a_outcome[i], a_at[i], p_id[i],
          p_order[i], p_user[i], p_claimed[i]);
    EXCEPTION WHEN OTHERS THEN
      IF NOT w3w_batch_refusal(SQLSTATE) THEN RAISE; END IF;
      code := SQLSTATE; message := SQLERRM;
    END;
    RETURN NEXT;
  END LOOP;
END $$;

CREATE FUNCTION w3w_claim_process_batch(p_actor uuid[], p_key text[], p_hash bytea[],
  p_expires bigint[], p_now bigint[], e_id uuid[], e_type text[], e_topic text[],
  e_aggregate uuid[], e_actor uuid[], e_region text[], e_at bigint[], e_payload text[],
  a_id uuid[], a_actor uuid[], a_action text[], a_target uuid[], a_outcome text[], a_at bigint[],
  p_id uuid[], p_transfer uuid[], p_transfer_at bigint[])
RETURNS TABLE (idx integer, code text, message text, replayed boolean, id uuid, order_id uuid,
  user_id uuid, supply_id uuid, status text, claimed_at bigint, processed_at bigint,
  released_at bigint, order_user_id uuid, t_id uuid, t_kind text, t_from uuid, t_to uuid,
  t_currency text, t_amount bigint, t_reference text, t_created_at bigint, event_seq bigint)
LANGUAGE plpgsql AS $$
BEGIN
  FOR i IN 1 .. coalesce(array_length(p_id, 1), 0) LOOP
    idx := i; code := NULL; message := NULL;
    BEGIN
      SELECT * INTO replayed, id, order_id, user_id, supply_id, status, claimed_at, processed_at,
          released_at, order_user_id, t_id, t_kind, t_from, t_to, t_currency, t_amount,
          t_reference, t_created_at, event_seq
        FROM w3w_claim_process(p_actor[i], p_key[i], p_hash[i], p_expires[i], p_now[i], e_id[i],
          e_type[i], e_topic[i], e_aggregate[i], e_actor[i], e_region[i], e_at[i], e_payload[i],
          a_id[i], a_actor[i], a_action[i], a_target[i], a_outcome[i], a_at[i], p_id[i],
          p_transfer[i], p_transfer_at[i]);
    EXCEPTION WHEN OTHERS THEN
      IF NOT w3w_batch_refusal(SQLSTATE) THEN RAISE; END IF;
      code := SQLSTATE; message := SQLERRM;
    END;
    RETURN NEXT;
  END LOOP;
END $$;

-- This file is migration 5: the library applies it in one transaction and records it.
INSERT INTO schema_version (version) VALUES (5);
