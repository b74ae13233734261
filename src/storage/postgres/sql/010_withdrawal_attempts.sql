-- Schema version 10: every transaction sent at a withdrawal's nonce (the same as the SQLite
-- backend's version 9, see sqlite/sql/009_withdrawal_attempts.sql): the first, replacements
-- (the same transfer at higher fees) and a cancellation (0 to the hot wallet itself).
-- fee_paid (wei, decimal) is the mined one's gas used x effective gas price.
CREATE TABLE withdrawal_attempts (
  withdrawal_id uuid NOT NULL REFERENCES withdrawals (id),
  seq integer NOT NULL CHECK (seq >= 0),
  kind varchar(16) NOT NULL CHECK (kind IN ('original','replacement','cancellation')),
  tx_hash varchar(66) NOT NULL,
  raw_tx text NOT NULL,
  max_fee_per_gas varchar(80) NOT NULL DEFAULT '',
  max_priority_fee_per_gas varchar(80) NOT NULL DEFAULT '',
  gas_price varchar(80) NOT NULL DEFAULT '',
  gas_limit bigint NOT NULL CHECK (gas_limit >= 0),
  block bigint NOT NULL CHECK (block >= 0),
  fee_paid varchar(80) NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL,
  PRIMARY KEY (withdrawal_id, seq),
  -- A given-back nonce may carry the same bytes again, for another withdrawal.
  UNIQUE (withdrawal_id, tx_hash)
);

CREATE VIEW w3w_withdrawal_attempt_v AS SELECT withdrawal_id, seq, kind::text AS kind,
  tx_hash::text AS tx_hash, max_fee_per_gas::text AS max_fee_per_gas,
  max_priority_fee_per_gas::text AS max_priority_fee_per_gas, gas_price::text AS gas_price,
  gas_limit, block, fee_paid::text AS fee_paid, w3w_us(created_at) AS created_at, raw_tx
  FROM withdrawal_attempts;

-- Record an attempt and make it the withdrawal's current transaction (status signed), under
-- the withdrawal's row lock: the status checked is the one replaced.
CREATE FUNCTION w3w_withdrawal_attempt_add(p_actor uuid, p_key text, p_hash bytea, p_expires bigint,
  p_now bigint, e_id uuid, e_type text, e_topic text, e_aggregate uuid, e_actor uuid, e_region text,
  e_at bigint, e_payload text, a_id uuid, a_actor uuid, a_action text, a_target uuid,
  a_outcome text, a_at bigint, p_id uuid, p_from_status text, p_kind text, p_tx_hash text,
  p_raw text, p_max_fee text, p_tip text, p_gas_price text, p_gas_limit bigint, p_block bigint)
RETURNS integer
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE v_row withdrawals%ROWTYPE; v_seq integer;
BEGIN
  SELECT * INTO v_row FROM withdrawals w WHERE w.id = p_id FOR UPDATE;
  IF NOT FOUND THEN
    PERFORM w3w_fail('W3001', format('withdrawal %s: not found', p_id));
  END IF;
  IF v_row.status <> p_from_status THEN
    PERFORM w3w_fail('W3005', format('withdrawal %s: is %s, not %s', p_id, v_row.status,
      p_from_status));
  END IF;
  IF EXISTS (SELECT 1 FROM withdrawal_attempts a WHERE a.withdrawal_id = p_id AND a.tx_hash = p_tx_hash) THEN
    PERFORM w3w_fail('W3002', format('withdrawal %s: transaction %s already recorded', p_id,
      p_tx_hash));
  END IF;
  SELECT count(*) INTO v_seq FROM withdrawal_attempts a WHERE a.withdrawal_id = p_id;
  INSERT INTO withdrawal_attempts (withdrawal_id, seq, kind, tx_hash, raw_tx, max_fee_per_gas,
    max_priority_fee_per_gas, gas_price, gas_limit, block, created_at)
  VALUES (p_id, v_seq, p_kind, p_tx_hash, p_raw, p_max_fee, p_tip, p_gas_price, p_gas_limit,
    p_block, w3w_ts(p_now));
  UPDATE withdrawals w SET status = 'signed', tx_hash = p_tx_hash, raw_tx = p_raw,
    updated_at = w3w_ts(p_now)
   WHERE w.id = p_id;
  PERFORM w3w_record(e_id, e_type, e_topic, e_aggregate, e_actor, e_region, e_at, e_payload, a_id,
    a_actor, a_action, a_target, a_outcome, a_at);
  RETURN v_seq;
END $$;

-- This file is migration 10: the library applies it in one transaction and records it.
INSERT INTO schema_version (version) VALUES (10);
