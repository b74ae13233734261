-- Schema version 4: withdrawal limits (the same as the SQLite backend's version 5, see
-- sqlite/sql/005_withdrawal_limits.sql).
--
-- withdrawal_limits: what an admin set, per currency: the default (user_id = the nil UUID)
-- and each user's own values, which replace the default as a whole. NULL = no limit.
-- withdrawal_usage: one row per withdrawal that counts against the 24-hour limit, written
-- by w3w_limit_take() in the transaction that debits (w3w_transfer) or holds
-- (w3w_withdrawal_create); an on-chain withdrawal that fails or is dropped gives it back.

CREATE TABLE withdrawal_limits (
  user_id uuid NOT NULL,
  currency varchar(10) NOT NULL,
  per_withdrawal numeric(18,8) CHECK (per_withdrawal >= 0),
  daily numeric(18,8) CHECK (daily >= 0),
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (currency, user_id)
);

CREATE TABLE withdrawal_usage (
  source_id uuid PRIMARY KEY,
  user_id uuid NOT NULL,
  currency varchar(10) NOT NULL,
  amount numeric(18,8) NOT NULL CHECK (amount > 0),
  created_at timestamptz NOT NULL
);
CREATE INDEX idx_withdrawal_usage_window ON withdrawal_usage (user_id, currency, created_at);

CREATE FUNCTION w3w_limit_usage_release() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM withdrawal_usage WHERE source_id = NEW.id;
  RETURN NEW;
END $$;

CREATE TRIGGER withdrawal_usage_release AFTER UPDATE OF status ON withdrawals FOR EACH ROW
  WHEN (NEW.status IN ('failed', 'dropped')) EXECUTE FUNCTION w3w_limit_usage_release();

-- Times in messages as w3w_time_format() writes them.
CREATE FUNCTION w3w_time_text(t timestamptz) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') $$;

-- The check of every withdrawal, before it debits or holds: refused (W3007, naming the
-- limit and what remains) past the per-withdrawal maximum or the 24-hour limit in force
-- (the user's row, else the currency's default), else recorded as used at p_now.
CREATE FUNCTION w3w_limit_take(p_user uuid, p_currency text, p_amt numeric, p_now bigint,
  p_source uuid) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  v_since timestamptz := w3w_ts(p_now) - interval '24 hours';
  v_per numeric; v_daily numeric; v_used numeric; v_oldest timestamptz; v_freed numeric;
  v_more text := '';
BEGIN
  -- Withdrawals of one user and currency take turns from here to their commit, so the sum
  -- below sees every earlier one. Lock class 87333 (87331: migrations, 87332: audit sealing).
  PERFORM pg_advisory_xact_lock(87333, hashtext(p_user::text || '/' || p_currency));
  DELETE FROM withdrawal_usage u WHERE u.user_id = p_user AND u.currency = p_currency
     AND u.created_at <= v_since;
  SELECT l.per_withdrawal, l.daily INTO v_per, v_daily FROM withdrawal_limits l
   WHERE l.currency = p_currency
     AND l.user_id IN (p_user, '00000000-0000-0000-0000-000000000000')
   ORDER BY l.user_id DESC LIMIT 1;
  IF p_amt > v_per THEN
    PERFORM w3w_fail('W3007', format(
      'withdrawal limit: %s %s is above the per-withdrawal maximum of %s %s',
      trim_scale(p_amt), p_currency, trim_scale(v_per), p_currency));
  END IF;
  IF v_daily IS NOT NULL THEN
    SELECT coalesce(sum(u.amount), 0), min(u.created_at) INTO v_used, v_oldest
      FROM withdrawal_usage u
     WHERE u.user_id = p_user AND u.currency = p_currency AND u.created_at > v_since;
    IF p_amt > v_daily - v_used THEN
      IF v_oldest IS NOT NULL THEN
        SELECT sum(u.amount) INTO v_freed FROM withdrawal_usage u
         WHERE u.user_id = p_user AND u.currency = p_currency AND u.created_at = v_oldest;
        v_more := format('; %s more frees up at %s', trim_scale(v_freed),
          w3w_time_text(v_oldest + interval '24 hours'));
      END IF;
      PERFORM w3w_fail('W3007', format(
        'withdrawal limit: %s %s would pass the 24-hour limit of %s %s: %s remaining now%s',
        trim_scale(p_amt), p_currency, trim_scale(v_daily), p_currency,
        trim_scale(greatest(v_daily - v_used, 0)), v_more));
    END IF;
  END IF;
  INSERT INTO withdrawal_usage (source_id, user_id, currency, amount, created_at)
  VALUES (p_source, p_user, p_currency, p_amt, w3w_ts(p_now));
END $$;

-- Set (or with p_clear remove: W3001 when none) the limits of p_user in p_currency; -1 = none.
-- Limits take no idempotency key: setting the same values again is harmless.
CREATE FUNCTION w3w_limit_set(p_actor uuid, p_key text, p_hash bytea, p_expires bigint,
  p_now bigint, e_id uuid, e_type text, e_topic text, e_aggregate uuid, e_actor uuid, e_region text,
  e_at bigint, e_payload text, a_id uuid, a_actor uuid, a_action text, a_target uuid,
  a_outcome text, a_at bigint, p_user uuid, p_currency text, p_per bigint, p_daily bigint,
  p_clear boolean)
RETURNS TABLE (replayed boolean, currency text, user_id uuid, per_withdrawal bigint, daily bigint,
  updated_at bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE v_row withdrawal_limits%ROWTYPE;
BEGIN
  IF p_clear THEN
    DELETE FROM withdrawal_limits l WHERE l.user_id = p_user AND l.currency = p_currency
    RETURNING l.* INTO v_row;
    IF NOT FOUND THEN
      PERFORM w3w_fail('W3001', format('withdrawal limits of %s in %s: none set',
        CASE WHEN p_user = '00000000-0000-0000-0000-000000000000' THEN 'the default'
             ELSE p_user::text END, p_currency));
    END IF;
  ELSE
    INSERT INTO withdrawal_limits AS l (user_id, currency, per_withdrawal, daily, updated_at)
    VALUES (p_user, p_currency, w3w_amt(nullif(p_per, -1)), w3w_amt(nullif(p_daily, -1)),
      w3w_ts(p_now))
    ON CONFLICT (currency, user_id) DO UPDATE SET per_withdrawal = EXCLUDED.per_withdrawal,
      daily = EXCLUDED.daily, updated_at = EXCLUDED.updated_at
    RETURNING l.* INTO v_row;
  END IF;
  PERFORM w3w_record(e_id, e_type, e_topic, e_aggregate, e_actor, e_region, e_at, e_payload, a_id,
    a_actor, a_action, a_target, a_outcome, a_at);
  RETURN QUERY SELECT false, v_row.currency::text, v_row.user_id,
    coalesce(w3w_units(v_row.per_withdrawal), -1), coalesce(w3w_units(v_row.daily), -1),
    w3w_us(v_row.updated_at);
END $$;

-- The limits in force for p_user (the nil UUID: the defaults themselves) in p_currency ('' =
-- all), with the window ending at p_now: used, its oldest time and the amount recorded then.
CREATE FUNCTION w3w_limit_list(p_user uuid, p_currency text, p_now bigint)
RETURNS TABLE (currency text, user_id uuid, per_withdrawal bigint, daily bigint, updated_at bigint,
  used bigint, oldest bigint, oldest_amount bigint)
LANGUAGE sql STABLE AS $$
  SELECT l.currency::text, l.user_id, coalesce(w3w_units(l.per_withdrawal), -1),
    coalesce(w3w_units(l.daily), -1), w3w_us(l.updated_at), coalesce(w3w_units(u.used), 0),
    w3w_us(u.oldest),
    coalesce(w3w_units((SELECT sum(x.amount) FROM withdrawal_usage x WHERE x.user_id = p_user
      AND x.currency = l.currency AND x.created_at = u.oldest)), 0)
  FROM withdrawal_limits l
  LEFT JOIN LATERAL (SELECT sum(w.amount) AS used, min(w.created_at) AS oldest
      FROM withdrawal_usage w WHERE w.user_id = p_user AND w.currency = l.currency
       AND w.created_at > w3w_ts(p_now) - interval '24 hours') u ON true
  WHERE (p_currency = '' OR l.currency = p_currency)
    AND (l.user_id = p_user OR (l.user_id = '00000000-0000-0000-0000-000000000000'
      AND NOT EXISTS (SELECT 1 FROM withdrawal_limits o WHERE o.currency = l.currency
        AND o.user_id = p_user)))
  ORDER BY l.currency $$;

-- The two functions that take money for a withdrawal, as in versions 1 and 2, with one
-- line added each: the call of w3w_limit_take() before the debit or the hold.
CREATE OR REPLACE FUNCTION w3w_transfer(p_actor uuid, p_key text, p_hash bytea, p_expires bigint, p_now bigint,
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
    IF p_kind = 'withdrawal' THEN
      PERFORM w3w_limit_take(p_from, p_currency, v_amt, p_now, p_id);
    END IF;
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

CREATE OR REPLACE FUNCTION w3w_withdrawal_create(p_actor uuid, p_key text, p_hash bytea, p_expires bigint,
  p_now bigint, e_id uuid, e_type text, e_topic text, e_aggregate uuid, e_actor uuid, e_region text,
  e_at bigint, e_payload text, a_id uuid, a_actor uuid, a_action text, a_target uuid,
  a_outcome text, a_at bigint, p_id uuid, p_user uuid, p_chain text, p_currency text,
  p_amount bigint, p_to text, p_from text, p_floor bigint, p_created bigint)
RETURNS TABLE (replayed boolean, id uuid, user_id uuid, chain text, currency text, amount bigint,
  to_address text, from_address text, nonce bigint, tx_hash text, raw_tx text, status text,
  error text, transfer_id uuid, created_at bigint, updated_at bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE v_replay uuid; v_amt numeric := w3w_amt(p_amount); v_nonce bigint;
BEGIN
  v_replay := w3w_idem_begin(p_actor, p_key, p_hash, p_expires, p_now, p_id);
  IF v_replay IS NULL THEN
    PERFORM w3w_limit_take(p_user, p_currency, v_amt, p_now, p_id);
    UPDATE accounts a SET held = a.held + v_amt, updated_at = w3w_ts(p_now)
     WHERE a.user_id = p_user AND a.currency = p_currency AND a.balance - a.held >= v_amt;
    IF NOT FOUND THEN
      PERFORM w3w_fail('W3003', format('available %s of user %s is less than %s', p_currency,
        p_user, v_amt));
    END IF;
    v_nonce := w3w_nonce_take(p_chain, p_from, p_floor);
    INSERT INTO withdrawals (id, user_id, chain, currency, amount, to_address, from_address, nonce,
      status,
      created_at, updated_at)
    VALUES (p_id, p_user, p_chain, p_currency, v_amt, p_to, p_from, v_nonce, 'held',
      w3w_ts(p_created),
      w3w_ts(p_created));
    PERFORM w3w_record(e_id, e_type, e_topic, e_aggregate, e_actor, e_region, e_at, e_payload, a_id,
      a_actor, a_action, a_target, a_outcome, a_at);
  END IF;
  RETURN QUERY SELECT v_replay IS NOT NULL,
    v.* FROM w3w_withdrawal_v v WHERE v.id = coalesce(v_replay, p_id);
END $$;

-- What the last 24 hours already withdrew counts from the first limit set after the upgrade.
INSERT INTO withdrawal_usage (source_id, user_id, currency, amount, created_at)
  SELECT w.id, w.user_id, w.currency, w.amount, w.created_at FROM withdrawals w
   WHERE w.status NOT IN ('failed', 'dropped') AND w.created_at > now() - interval '24 hours';
INSERT INTO withdrawal_usage (source_id, user_id, currency, amount, created_at)
  SELECT t.id, t.from_user_id, t.currency, t.amount, t.created_at FROM transfers t
   WHERE t.kind = 'withdrawal' AND t.created_at > now() - interval '24 hours'
     AND NOT EXISTS (SELECT 1 FROM withdrawals w WHERE w.transfer_id = t.id);

-- This file is migration 4: the library applies it in one transaction and records it.
INSERT INTO schema_version (version) VALUES (4);
