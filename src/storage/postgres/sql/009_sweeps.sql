-- Schema version 9: sweeps (the same as the SQLite backend's version 8, see
-- sqlite/sql/008_sweeps.sql): deposit addresses -> the hot wallet, one open sweep per
-- address, every step a compare-and-set on the status; fees in wei as numeric(78,0).
CREATE TABLE sweeps (
  id uuid PRIMARY KEY,
  chain varchar(32) NOT NULL,
  address varchar(64) NOT NULL,
  wallet_index bigint NOT NULL CHECK (wallet_index >= 0),
  currency varchar(10) NOT NULL,
  to_address varchar(64) NOT NULL,
  status varchar(16) NOT NULL
    CHECK (status IN ('planned','topup_signed','topup_mined','signed','confirmed','failed')),
  amount numeric(78,0) NOT NULL CHECK (amount >= 0),
  nonce bigint NOT NULL,
  tx_hash varchar(66) NOT NULL DEFAULT '',
  raw_tx text NOT NULL DEFAULT '',
  topup_value numeric(78,0) NOT NULL CHECK (topup_value >= 0),
  topup_nonce bigint NOT NULL,
  topup_tx_hash varchar(66) NOT NULL DEFAULT '',
  topup_raw text NOT NULL DEFAULT '',
  fee_type integer NOT NULL CHECK (fee_type IN (0, 2)),
  gas_limit bigint NOT NULL CHECK (gas_limit > 0),
  max_fee numeric(78,0) NOT NULL,
  priority_fee numeric(78,0) NOT NULL,
  fee_currency varchar(10) NOT NULL,
  topup_fee numeric(78,0) NOT NULL DEFAULT 0 CHECK (topup_fee >= 0),
  sweep_fee numeric(78,0) NOT NULL DEFAULT 0 CHECK (sweep_fee >= 0),
  error varchar(255) NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
-- One open sweep per deposit address: a native sweep would spend a token sweep's gas top-up,
-- and the address's nonces are taken one sweep at a time.
CREATE UNIQUE INDEX uq_sweeps_open ON sweeps (chain, address)
  WHERE status IN ('planned','topup_signed','topup_mined','signed');
CREATE INDEX idx_sweeps_chain ON sweeps (chain, created_at);

CREATE VIEW w3w_sweep_v AS SELECT id, chain::text AS chain, address::text AS address, wallet_index,
  currency::text AS currency, to_address::text AS to_address, status::text AS status,
  amount::text AS amount, nonce, tx_hash::text AS tx_hash, raw_tx, topup_value::text AS topup_value,
  topup_nonce, topup_tx_hash::text AS topup_tx_hash, topup_raw, fee_type::bigint AS fee_type, gas_limit,
  max_fee::text AS max_fee, priority_fee::text AS priority_fee, fee_currency::text AS fee_currency,
  topup_fee::text AS topup_fee, sweep_fee::text AS sweep_fee, error::text AS error,
  w3w_us(created_at) AS created_at, w3w_us(updated_at) AS updated_at FROM sweeps;

CREATE FUNCTION w3w_sweep_create(p_actor uuid, p_key text, p_hash bytea, p_expires bigint,
  p_now bigint, e_id uuid, e_type text, e_topic text, e_aggregate uuid, e_actor uuid, e_region text,
  e_at bigint, e_payload text, a_id uuid, a_actor uuid, a_action text, a_target uuid,
  a_outcome text, a_at bigint, p_id uuid, p_chain text, p_address text, p_index bigint,
  p_currency text, p_to text, p_amount text, p_topup_value text, p_fee_type integer,
  p_gas_limit bigint, p_max_fee text, p_priority_fee text, p_fee_currency text, p_floor bigint,
  p_created bigint)
RETURNS TABLE (replayed boolean, id uuid, chain text, address text, wallet_index bigint,
  currency text, to_address text, status text, amount text, nonce bigint, tx_hash text,
  raw_tx text, topup_value text, topup_nonce bigint, topup_tx_hash text, topup_raw text,
  fee_type bigint, gas_limit bigint, max_fee text, priority_fee text, fee_currency text,
  topup_fee text, sweep_fee text, error text, created_at bigint, updated_at bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE v_nonce bigint := -1; v_open uuid;
BEGIN
  -- The address's open sweep, if any, is named (the unique index would refuse it anyway).
  SELECT s.id INTO v_open FROM sweeps s WHERE s.chain = p_chain AND s.address = p_address
     AND s.status IN ('planned','topup_signed','topup_mined','signed');
  IF v_open IS NOT NULL THEN
    PERFORM w3w_fail('W3002', format('sweep: %s of %s already has an open sweep (%s)', p_address,
      p_chain, v_open));
  END IF;
  IF p_floor >= 0 THEN
    v_nonce := w3w_nonce_take(p_chain, p_to, p_floor);
  END IF;
  BEGIN
    INSERT INTO sweeps (id, chain, address, wallet_index, currency, to_address, status, amount,
      nonce, topup_value, topup_nonce, fee_type, gas_limit, max_fee, priority_fee, fee_currency,
      created_at, updated_at)
    VALUES (p_id, p_chain, p_address, p_index, p_currency, p_to, 'planned', p_amount::numeric, -1,
      p_topup_value::numeric, v_nonce, p_fee_type, p_gas_limit, p_max_fee::numeric,
      p_priority_fee::numeric, p_fee_currency, w3w_ts(p_created), w3w_ts(p_created));
  EXCEPTION WHEN unique_violation THEN
    PERFORM w3w_fail('W3002', format('sweep: %s of %s already has an open sweep (or id %s is taken)',
      p_address, p_chain, p_id));
  END;
  PERFORM w3w_record(e_id, e_type, e_topic, e_aggregate, e_actor, e_region, e_at, e_payload, a_id,
    a_actor, a_action, a_target, a_outcome, a_at);
  RETURN QUERY SELECT false, v.* FROM w3w_sweep_v v WHERE v.id = p_id;
END $$;

CREATE FUNCTION w3w_sweep_update(p_actor uuid, p_key text, p_hash bytea, p_expires bigint,
  p_now bigint, e_id uuid, e_type text, e_topic text, e_aggregate uuid, e_actor uuid, e_region text,
  e_at bigint, e_payload text, a_id uuid, a_actor uuid, a_action text, a_target uuid,
  a_outcome text, a_at bigint, p_id uuid, p_from_status text, p_to_status text, p_amount text,
  p_nonce bigint, p_tx_hash text, p_raw text, p_topup_value text, p_topup_hash text,
  p_topup_raw text, p_fee_type integer, p_gas_limit bigint, p_max_fee text, p_priority_fee text,
  p_fee_currency text, p_topup_fee text, p_sweep_fee text, p_error text, p_give_back boolean)
RETURNS TABLE (replayed boolean, id uuid, chain text, address text, wallet_index bigint,
  currency text, to_address text, status text, amount text, nonce bigint, tx_hash text,
  raw_tx text, topup_value text, topup_nonce bigint, topup_tx_hash text, topup_raw text,
  fee_type bigint, gas_limit bigint, max_fee text, priority_fee text, fee_currency text,
  topup_fee text, sweep_fee text, error text, created_at bigint, updated_at bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE v_row sweeps%ROWTYPE;
BEGIN
  SELECT * INTO v_row FROM sweeps s WHERE s.id = p_id FOR UPDATE;
  IF NOT FOUND THEN
    PERFORM w3w_fail('W3001', format('sweep %s: not found', p_id));
  END IF;
  IF v_row.status <> p_from_status THEN
    PERFORM w3w_fail('W3005', format('sweep %s: is %s, not %s', p_id, v_row.status, p_from_status));
  END IF;
  UPDATE sweeps s SET status = p_to_status, amount = p_amount::numeric, nonce = p_nonce,
    tx_hash = p_tx_hash, raw_tx = p_raw, topup_value = p_topup_value::numeric,
    topup_tx_hash = p_topup_hash, topup_raw = p_topup_raw, fee_type = p_fee_type,
    gas_limit = p_gas_limit, max_fee = p_max_fee::numeric, priority_fee = p_priority_fee::numeric,
    fee_currency = p_fee_currency, topup_fee = p_topup_fee::numeric,
    sweep_fee = p_sweep_fee::numeric, error = left(p_error, 255), updated_at = w3w_ts(p_now)
   WHERE s.id = p_id;
  IF p_give_back AND v_row.topup_nonce >= 0 THEN
    INSERT INTO chain_free_nonces (chain, address, nonce) VALUES (v_row.chain, v_row.to_address,
      v_row.topup_nonce)
    ON CONFLICT DO NOTHING;
  END IF;
  PERFORM w3w_record(e_id, e_type, e_topic, e_aggregate, e_actor, e_region, e_at, e_payload, a_id,
    a_actor, a_action, a_target, a_outcome, a_at);
  RETURN QUERY SELECT false, v.* FROM w3w_sweep_v v WHERE v.id = p_id;
END $$;

-- This file is migration 9: the library applies it in one transaction and records it.
INSERT INTO schema_version (version) VALUES (9);
