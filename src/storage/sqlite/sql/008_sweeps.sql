-- libw3wallet SQLite schema, migration 8: sweeps (deposit addresses -> the hot wallet), see
-- src/wallet/sweep_steps.c. Amounts, values and fees are decimal TEXT (256-bit wei).
CREATE TABLE sweeps (
  id TEXT PRIMARY KEY,
  chain TEXT NOT NULL,
  address TEXT NOT NULL,
  wallet_index INTEGER NOT NULL CHECK (wallet_index >= 0),
  currency TEXT NOT NULL,
  to_address TEXT NOT NULL,
  status TEXT NOT NULL
    CHECK (status IN ('planned','topup_signed','topup_mined','signed','confirmed','failed')),
  amount TEXT NOT NULL,
  nonce INTEGER NOT NULL,
  tx_hash TEXT NOT NULL DEFAULT '',
  raw_tx TEXT NOT NULL DEFAULT '',
  topup_value TEXT NOT NULL,
  topup_nonce INTEGER NOT NULL,
  topup_tx_hash TEXT NOT NULL DEFAULT '',
  topup_raw TEXT NOT NULL DEFAULT '',
  fee_type INTEGER NOT NULL CHECK (fee_type IN (0, 2)),
  gas_limit INTEGER NOT NULL CHECK (gas_limit > 0),
  max_fee TEXT NOT NULL,
  priority_fee TEXT NOT NULL,
  fee_currency TEXT NOT NULL,
  topup_fee TEXT NOT NULL DEFAULT '0',
  sweep_fee TEXT NOT NULL DEFAULT '0',
  error TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;
-- One open sweep per deposit address: a native sweep would spend a token sweep's gas top-up,
-- and the address's nonces are taken one sweep at a time.
CREATE UNIQUE INDEX uq_sweeps_open ON sweeps(chain, address)
  WHERE status IN ('planned','topup_signed','topup_mined','signed');
CREATE INDEX idx_sweeps_chain ON sweeps(chain, created_at);

-- This file is migration 8: the library applies it in one transaction and records it.
INSERT INTO schema_version (version, applied_at)
  VALUES (8, CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER));
