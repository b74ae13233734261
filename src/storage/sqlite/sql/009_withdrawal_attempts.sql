-- libw3wallet SQLite schema, migration 9: every transaction sent at a withdrawal's nonce.
--
-- The first transaction of a withdrawal, replacements (the same transfer at higher fees) and a
-- cancellation (0 to the hot wallet itself): whichever is mined decides the withdrawal, so all
-- are followed. fee_paid (wei, decimal) is the mined one's gas used x effective gas price.
CREATE TABLE withdrawal_attempts (
  withdrawal_id TEXT NOT NULL REFERENCES withdrawals(id),
  seq INTEGER NOT NULL CHECK (seq >= 0),
  kind TEXT NOT NULL CHECK (kind IN ('original','replacement','cancellation')),
  tx_hash TEXT NOT NULL,
  raw_tx TEXT NOT NULL,
  max_fee_per_gas TEXT NOT NULL DEFAULT '',
  max_priority_fee_per_gas TEXT NOT NULL DEFAULT '',
  gas_price TEXT NOT NULL DEFAULT '',
  gas_limit INTEGER NOT NULL CHECK (gas_limit >= 0),
  block INTEGER NOT NULL CHECK (block >= 0),
  fee_paid TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  PRIMARY KEY (withdrawal_id, seq),
  -- A given-back nonce may carry the same bytes again, for another withdrawal.
  UNIQUE (withdrawal_id, tx_hash)
) STRICT;

-- This file is migration 9: the library applies it in one transaction and records it.
INSERT INTO schema_version (version, applied_at)
  VALUES (9, CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER));
