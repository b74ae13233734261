-- Schema version 2: the wallet tables (sealed secrets, deposit wallets, withdrawals with
-- their nonces, the deposit watcher, deposits seen on chain), their views, and the
-- functions behind the wallet write commands. Same conventions as version 1
-- (001a_schema.sql, 001b_functions.sql): one function call per command, refusals raise
-- the W3xxx SQLSTATEs, w3w_record() writes the outbox event and the audit record,
-- w3w_idem_begin() the idempotency key. Advisory lock classes: 87331 migrations
-- (pg_migrate.c), 87332 audit sealing, 87333 secrets, 87334 the watch cursor.

CREATE TABLE wallet_secrets (
  purpose varchar(32) NOT NULL,
  key_id varchar(16) NOT NULL,
  origin varchar(16) NOT NULL,
  blob bytea NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (purpose, key_id)
);

CREATE TABLE wallet_indexes (
  chain varchar(16) PRIMARY KEY,
  next bigint NOT NULL CHECK (next >= 0)
);

CREATE TABLE wallets (
  id uuid PRIMARY KEY,
  user_id uuid NOT NULL,
  chain varchar(16) NOT NULL,
  address varchar(64) NOT NULL,
  idx bigint NOT NULL CHECK (idx >= 0),
  created_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX uq_wallets_user_chain ON wallets (user_id, chain);
CREATE UNIQUE INDEX uq_wallets_chain_idx ON wallets (chain, idx);
CREATE UNIQUE INDEX uq_wallets_chain_address ON wallets (chain, address);

CREATE TABLE withdrawals (
  id uuid PRIMARY KEY,
  user_id uuid NOT NULL,
  chain varchar(32) NOT NULL,
  currency varchar(10) NOT NULL,
  amount numeric(18,8) NOT NULL CHECK (amount > 0),
  to_address varchar(64) NOT NULL,
  from_address varchar(64) NOT NULL,
  nonce bigint NOT NULL CHECK (nonce >= 0),
  tx_hash varchar(66) NOT NULL DEFAULT '',
  raw_tx text NOT NULL DEFAULT '',
  status varchar(16) NOT NULL CHECK (status IN ('held','signed','broadcast','confirmed','failed','dropped')),
  error varchar(255) NOT NULL DEFAULT '',
  transfer_id uuid,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX idx_withdrawals_open ON withdrawals (chain, created_at)
  WHERE status IN ('held','signed','broadcast');
CREATE INDEX idx_withdrawals_user ON withdrawals (user_id, id);

-- One live (or mined) withdrawal per nonce of a sender, whatever the code above does.
CREATE UNIQUE INDEX uq_withdrawals_nonce ON withdrawals (chain, from_address, nonce)
  WHERE status IN ('held','signed','broadcast','confirmed');

CREATE TABLE chain_nonces (
  chain varchar(32) NOT NULL,
  address varchar(64) NOT NULL,
  next bigint NOT NULL CHECK (next >= 0),
  PRIMARY KEY (chain, address)
);

-- Nonces of withdrawals that never reached a pool: the next withdrawal fills the gap.
CREATE TABLE chain_free_nonces (
  chain varchar(32) NOT NULL,
  address varchar(64) NOT NULL,
  nonce bigint NOT NULL,
  PRIMARY KEY (chain, address, nonce)
);

CREATE TABLE watch_cursors (
  chain varchar(32) PRIMARY KEY,
  number bigint NOT NULL,
  hash varchar(66) NOT NULL,
  updated_at timestamptz NOT NULL
);

CREATE TABLE watch_blocks (
  chain varchar(32) NOT NULL,
  number bigint NOT NULL,
  hash varchar(66) NOT NULL,
  PRIMARY KEY (chain, number)
);

CREATE TABLE chain_deposits (
  reference varchar(255) PRIMARY KEY,
  chain varchar(32) NOT NULL,
  user_id uuid NOT NULL,
  address varchar(64) NOT NULL,
  currency varchar(10) NOT NULL,
  tx_hash varchar(66) NOT NULL,
  log_index bigint NOT NULL,
  block_number bigint NOT NULL,
  block_hash varchar(66) NOT NULL,
  value varchar(80) NOT NULL,
  amount numeric(18,8) NOT NULL CHECK (amount >= 0),
  dust varchar(80) NOT NULL,
  status varchar(16) NOT NULL CHECK (status IN ('credited','dust','too_large')),
  transfer_id uuid,
  created_at timestamptz NOT NULL
);
CREATE INDEX idx_chain_deposits_user_id ON chain_deposits (user_id);

-- What the C code reads (W3W__PGW_*_COLS in pg_wallet.h).
CREATE VIEW w3w_wallet_v AS SELECT id, user_id, chain::text AS chain, address::text AS address,
  idx, w3w_us(created_at) AS created_at FROM wallets;

CREATE VIEW w3w_withdrawal_v AS SELECT id, user_id, chain::text AS chain,
  currency::text AS currency,
  w3w_units(amount) AS amount, to_address::text AS to_address, from_address::text AS from_address,
    nonce,
  tx_hash::text AS tx_hash, raw_tx, status::text AS status, error::text AS error, transfer_id,
  w3w_us(created_at) AS created_at, w3w_us(updated_at) AS updated_at FROM withdrawals;

CREATE VIEW w3w_chain_deposit_v AS SELECT reference::text AS reference, chain::text AS chain,
  user_id,
  address::text AS address, currency::text AS currency, tx_hash::text AS tx_hash, log_index,
    block_number,
  block_hash::text AS block_hash, value::text AS value, w3w_units(amount) AS amount,
    dust::text AS dust,
  status::text AS status, transfer_id, w3w_us(created_at) AS created_at FROM chain_deposits;

-- ---- secrets ----------------------------------------------------------------
-- Blobs arrive as hex text (one array per field, in the same order).
CREATE FUNCTION w3w_secrets_create(p_actor uuid, p_key text, p_hash bytea, p_expires bigint,
  p_now bigint, e_id uuid, e_type text, e_topic text, e_aggregate uuid, e_actor uuid, e_region text,
  e_at bigint, e_payload text, a_id uuid, a_actor uuid, a_action text, a_target uuid,
  a_outcome text, a_at bigint, p_purposes text[], p_key_ids text[], p_origins text[],
  p_blobs text[], p_created bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
#variable_conflict use_column
BEGIN
  -- Two first uses under different keys must not both create a seed: one at a time.
  PERFORM pg_advisory_xact_lock(87333, 0);
  IF EXISTS (SELECT 1 FROM wallet_secrets s WHERE s.purpose = p_purposes[1]) THEN
    PERFORM w3w_fail('W3002', format('secret %s: already exists', p_purposes[1]));
  END IF;
  INSERT INTO wallet_secrets (purpose, key_id, origin, blob, created_at)
  SELECT u.p, u.k, u.o, decode(u.b, 'hex'), w3w_ts(u.c)
    FROM unnest(p_purposes, p_key_ids, p_origins, p_blobs, p_created) AS u(p, k, o, b, c);
  PERFORM w3w_record(e_id, e_type, e_topic, e_aggregate, e_actor, e_region, e_at, e_payload, a_id,
    a_actor, a_action, a_target, a_outcome, a_at);
END $$;

CREATE FUNCTION w3w_secrets_reseal(p_actor uuid, p_key text, p_hash bytea, p_expires bigint,
  p_now bigint, e_id uuid, e_type text, e_topic text, e_aggregate uuid, e_actor uuid, e_region text,
  e_at bigint, e_payload text, a_id uuid, a_actor uuid, a_action text, a_target uuid,
  a_outcome text, a_at bigint, p_from text, p_purposes text[], p_key_ids text[],
  p_origins text[], p_blobs text[], p_created bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE v_missing text;
BEGIN
  PERFORM pg_advisory_xact_lock(87333, 0);
  SELECT u.p INTO v_missing FROM unnest(p_purposes) AS u(p)
   WHERE NOT EXISTS (SELECT 1 FROM wallet_secrets s WHERE s.purpose = u.p AND s.key_id = p_from) LIMIT 1;
  IF v_missing IS NOT NULL THEN
    PERFORM w3w_fail('W3005', format('secret %s: no copy under key %s', v_missing, p_from));
  END IF;
  INSERT INTO wallet_secrets AS s (purpose, key_id, origin, blob, created_at)
  SELECT u.p, u.k, u.o, decode(u.b, 'hex'), w3w_ts(u.c)
    FROM unnest(p_purposes, p_key_ids, p_origins, p_blobs, p_created) AS u(p, k, o, b, c)
  ON CONFLICT (purpose, key_id) DO UPDATE SET origin = EXCLUDED.origin, blob = EXCLUDED.blob,
    created_at = EXCLUDED.created_at;
  DELETE FROM wallet_secrets s WHERE s.key_id <> p_from AND s.key_id <> p_key_ids[1];
  PERFORM w3w_record(e_id, e_type, e_topic, e_aggregate, e_actor, e_region, e_at, e_payload, a_id,
    a_actor, a_action, a_target, a_outcome, a_at);
END $$;

CREATE FUNCTION w3w_secrets_retire(p_actor uuid, p_key text, p_hash bytea, p_expires bigint,
  p_now bigint, e_id uuid, e_type text, e_topic text, e_aggregate uuid, e_actor uuid, e_region text,
  e_at bigint, e_payload text, a_id uuid, a_actor uuid, a_action text, a_target uuid,
  a_outcome text, a_at bigint, p_keep text) RETURNS bigint
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE v_missing text; v_deleted bigint;
BEGIN
  PERFORM pg_advisory_xact_lock(87333, 0);
  SELECT s.purpose INTO v_missing FROM wallet_secrets s GROUP BY s.purpose
   HAVING count(*) FILTER (WHERE s.key_id = p_keep) = 0 LIMIT 1;
  IF v_missing IS NOT NULL THEN
    PERFORM w3w_fail('W3005', format('secret %s: no copy under key %s; nothing deleted', v_missing,
      p_keep));
  END IF;
  DELETE FROM wallet_secrets s WHERE s.key_id <> p_keep;
  GET DIAGNOSTICS v_deleted = ROW_COUNT;
  PERFORM w3w_record(e_id, e_type, e_topic, e_aggregate, e_actor, e_region, e_at, e_payload, a_id,
    a_actor, a_action, a_target, a_outcome, a_at);
  RETURN v_deleted;
END $$;

-- ---- wallets ------------------------------------------------------------------
CREATE FUNCTION w3w_wallet_create(p_actor uuid, p_key text, p_hash bytea, p_expires bigint,
  p_now bigint, e_id uuid, e_type text, e_topic text, e_aggregate uuid, e_actor uuid, e_region text,
  e_at bigint, e_payload text, a_id uuid, a_actor uuid, a_action text, a_target uuid,
  a_outcome text, a_at bigint, p_id uuid, p_user uuid, p_chain text, p_address text,
  p_idx bigint, p_created bigint)
RETURNS TABLE (replayed boolean, id uuid, user_id uuid, chain text, address text, idx bigint,
  created_at bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE v_replay uuid; v_other uuid;
BEGIN
  v_replay := w3w_idem_begin(p_actor, p_key, p_hash, p_expires, p_now, p_id);
  IF v_replay IS NULL THEN
    INSERT INTO wallets (id, user_id, chain, address, idx, created_at)
    VALUES (p_id, p_user, p_chain, p_address, p_idx, w3w_ts(p_created))
    ON CONFLICT DO NOTHING;
    IF NOT FOUND THEN
      SELECT w.id INTO v_other FROM wallets w WHERE w.user_id = p_user AND w.chain = p_chain;
      IF v_other IS NOT NULL THEN
        PERFORM w3w_fail('W3002', format('chain: user %s already has an %s wallet (%s)', p_user,
          p_chain, v_other));
      END IF;
      PERFORM w3w_fail('W3002', format('wallet: index %s or address %s of %s is taken', p_idx,
        p_address, p_chain));
    END IF;
    PERFORM w3w_record(e_id, e_type, e_topic, e_aggregate, e_actor, e_region, e_at, e_payload, a_id,
      a_actor, a_action, a_target, a_outcome, a_at);
  END IF;
  RETURN QUERY SELECT v_replay IS NOT NULL, v.* FROM w3w_wallet_v v WHERE v.id = coalesce(v_replay,
    p_id);
END $$;

-- ---- withdrawals ---------------------------------------------------------------
-- Nonce of a sender: its chain_nonces row is locked for the whole
-- allocation, so concurrent withdrawals take turns; a given-back nonce
-- at or above the node's floor is used first.
CREATE FUNCTION w3w_nonce_take(p_chain text, p_address text, p_floor bigint) RETURNS bigint
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE v_next bigint; v_free bigint;
BEGIN
  INSERT INTO chain_nonces (chain, address, next) VALUES (p_chain, p_address, p_floor)
  ON CONFLICT (chain, address) DO NOTHING;
  SELECT n.next INTO v_next FROM chain_nonces n WHERE n.chain = p_chain AND n.address = p_address FOR UPDATE;
  DELETE FROM chain_free_nonces f WHERE f.chain = p_chain AND f.address = p_address AND f.nonce < p_floor;
  SELECT min(f.nonce) INTO v_free FROM chain_free_nonces f WHERE f.chain = p_chain AND f.address = p_address;
  IF v_free IS NOT NULL THEN
    DELETE FROM chain_free_nonces f WHERE f.chain = p_chain AND f.address = p_address AND f.nonce = v_free;
    RETURN v_free;
  END IF;
  v_next := greatest(v_next, p_floor);
  UPDATE chain_nonces n SET next = v_next + 1 WHERE n.chain = p_chain AND n.address = p_address;
  RETURN v_next;
END $$;

CREATE FUNCTION w3w_withdrawal_create(p_actor uuid, p_key text, p_hash bytea, p_expires bigint,
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

CREATE FUNCTION w3w_withdrawal_update(p_actor uuid, p_key text, p_hash bytea, p_expires bigint,
  p_now bigint, e_id uuid, e_type text, e_topic text, e_aggregate uuid, e_actor uuid, e_region text,
  e_at bigint, e_payload text, a_id uuid, a_actor uuid, a_action text, a_target uuid,
  a_outcome text, a_at bigint, p_id uuid, p_from_status text, p_to_status text,
  p_tx_hash text, p_raw text, p_error text, p_give_back boolean, p_transfer uuid,
    p_transfer_at bigint,
  p_reference text)
RETURNS TABLE (replayed boolean, id uuid, user_id uuid, chain text, currency text, amount bigint,
  to_address text, from_address text, nonce bigint, tx_hash text, raw_tx text, status text,
  error text, transfer_id uuid, created_at bigint, updated_at bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE v_row withdrawals%ROWTYPE; v_now timestamptz := w3w_ts(p_now);
  v_nil CONSTANT uuid := '00000000-0000-0000-0000-000000000000';
BEGIN
  SELECT * INTO v_row FROM withdrawals w WHERE w.id = p_id FOR UPDATE;
  IF NOT FOUND THEN
    PERFORM w3w_fail('W3001', format('withdrawal %s: not found', p_id));
  END IF;
  IF v_row.status <> p_from_status THEN
    PERFORM w3w_fail('W3005', format('withdrawal %s: is %s, not %s', p_id, v_row.status,
      p_from_status));
  END IF;
  IF p_to_status = 'confirmed' THEN
    -- Settle: the hold leaves the books as a withdrawal to the external account.
    UPDATE accounts a SET balance = a.balance - v_row.amount, held = a.held - v_row.amount,
      updated_at = v_now
     WHERE a.user_id = v_row.user_id AND a.currency = v_row.currency AND a.held >= v_row.amount;
    IF NOT FOUND THEN
      PERFORM w3w_fail('W3099', format('withdrawal %s: its amount is not held', p_id));
    END IF;
    INSERT INTO transfers (id, kind, from_user_id, to_user_id, currency, amount, reference,
      created_at)
    VALUES (p_transfer, 'withdrawal', v_row.user_id, v_nil, v_row.currency, v_row.amount,
      p_reference,
      w3w_ts(p_transfer_at));
    INSERT INTO ledger_entries (transfer_id, user_id, currency, amount, created_at)
    VALUES (p_transfer, v_row.user_id, v_row.currency, -v_row.amount, w3w_ts(p_transfer_at)),
           (p_transfer, v_nil, v_row.currency, v_row.amount, w3w_ts(p_transfer_at));
  ELSIF p_to_status IN ('failed', 'dropped') THEN
    UPDATE accounts a SET held = a.held - v_row.amount, updated_at = v_now
     WHERE a.user_id = v_row.user_id AND a.currency = v_row.currency AND a.held >= v_row.amount;
    IF NOT FOUND THEN
      PERFORM w3w_fail('W3099', format('withdrawal %s: its amount is not held', p_id));
    END IF;
  END IF;
  UPDATE withdrawals w SET status = p_to_status, updated_at = v_now,
    tx_hash = CASE WHEN p_tx_hash = '' THEN w.tx_hash ELSE p_tx_hash END,
    raw_tx = CASE WHEN p_raw = '' THEN w.raw_tx ELSE p_raw END,
    error = CASE WHEN p_error = '' THEN w.error ELSE left(p_error, 255) END,
    transfer_id = CASE WHEN p_to_status = 'confirmed' THEN p_transfer ELSE w.transfer_id END
   WHERE w.id = p_id;
  IF p_give_back THEN
    INSERT INTO chain_free_nonces (chain, address, nonce) VALUES (v_row.chain, v_row.from_address,
      v_row.nonce)
    ON CONFLICT DO NOTHING;
  END IF;
  PERFORM w3w_record(e_id, e_type, e_topic, e_aggregate, e_actor, e_region, e_at, e_payload, a_id,
    a_actor, a_action, a_target, a_outcome, a_at);
  RETURN QUERY SELECT false, v.* FROM w3w_withdrawal_v v WHERE v.id = p_id;
END $$;

-- ---- the deposit watcher --------------------------------------------------------
CREATE FUNCTION w3w_watch_advance(p_chain text, p_expect bigint, p_numbers bigint[],
  p_hashes text[],
  p_keep bigint) RETURNS void
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE v_have bigint; v_n int := cardinality(p_numbers);
BEGIN
  PERFORM pg_advisory_xact_lock(87334, hashtext(p_chain));
  SELECT c.number INTO v_have FROM watch_cursors c WHERE c.chain = p_chain;
  IF coalesce(v_have, -1) <> p_expect THEN
    PERFORM w3w_fail('W3002', format('watch cursor of %s: at %s, expected %s (another watcher?)',
      p_chain, coalesce(v_have, -1), p_expect));
  END IF;
  INSERT INTO watch_blocks AS b (chain, number, hash)
  SELECT p_chain, u.n, u.h FROM unnest(p_numbers, p_hashes) AS u(n, h)
  ON CONFLICT (chain, number) DO UPDATE SET hash = EXCLUDED.hash;
  DELETE FROM watch_blocks b WHERE b.chain = p_chain AND b.number < p_numbers[v_n] - p_keep;
  INSERT INTO watch_cursors AS c (chain, number, hash, updated_at)
  VALUES (p_chain, p_numbers[v_n], p_hashes[v_n], now())
  ON CONFLICT (chain) DO UPDATE SET number = EXCLUDED.number, hash = EXCLUDED.hash,
    updated_at = EXCLUDED.updated_at;
END $$;

-- This file is migration 2: the library applies it in one transaction and records it.
INSERT INTO schema_version (version) VALUES (2);
