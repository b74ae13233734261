-- Schema version 2: the wallet tables (sqlite_wallet*.c). Same conventions as version 1:
-- STRICT tables, ids as TEXT, times in microseconds.

-- Sealed blobs; a secret may have one copy per master key during a rotation.
CREATE TABLE wallet_secrets (
  purpose TEXT NOT NULL,
  key_id TEXT NOT NULL,
  origin TEXT NOT NULL,
  blob BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (purpose, key_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE wallet_indexes (
  chain TEXT PRIMARY KEY,
  next INTEGER NOT NULL CHECK (next >= 0)
) STRICT, WITHOUT ROWID;

CREATE TABLE wallets (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  chain TEXT NOT NULL,
  address TEXT NOT NULL,
  idx INTEGER NOT NULL CHECK (idx >= 0),
  created_at INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX uq_wallets_user_chain ON wallets(user_id, chain);
CREATE UNIQUE INDEX uq_wallets_chain_idx ON wallets(chain, idx);
CREATE UNIQUE INDEX uq_wallets_chain_address ON wallets(chain, address);

CREATE TABLE withdrawals (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  chain TEXT NOT NULL,
  currency TEXT NOT NULL,
  amount INTEGER NOT NULL CHECK (amount > 0 AND amount <= 999999999999999999),
  to_address TEXT NOT NULL,
  from_address TEXT NOT NULL,
  nonce INTEGER NOT NULL CHECK (nonce >= 0),
  tx_hash TEXT NOT NULL DEFAULT '',
  raw_tx TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL CHECK (status IN ('held','signed','broadcast','confirmed','failed','dropped')),
  error TEXT NOT NULL DEFAULT '',
  transfer_id TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX idx_withdrawals_open ON withdrawals(chain, created_at)
  WHERE status IN ('held','signed','broadcast');
CREATE INDEX idx_withdrawals_user ON withdrawals(user_id, id);

-- A nonce carries one live (or mined) withdrawal of a sender, whatever the code above does.
CREATE UNIQUE INDEX uq_withdrawals_nonce ON withdrawals(chain, from_address, nonce)
  WHERE status IN ('held','signed','broadcast','confirmed');

CREATE TABLE chain_nonces (
  chain TEXT NOT NULL,
  address TEXT NOT NULL,
  next INTEGER NOT NULL CHECK (next >= 0),
  PRIMARY KEY (chain, address)
) STRICT, WITHOUT ROWID;

-- Nonces of withdrawals that never reached a pool: the next withdrawal fills the gap.
CREATE TABLE chain_free_nonces (
  chain TEXT NOT NULL,
  address TEXT NOT NULL,
  nonce INTEGER NOT NULL,
  PRIMARY KEY (chain, address, nonce)
) STRICT, WITHOUT ROWID;

CREATE TABLE watch_cursors (
  chain TEXT PRIMARY KEY,
  number INTEGER NOT NULL,
  hash TEXT NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE watch_blocks (
  chain TEXT NOT NULL,
  number INTEGER NOT NULL,
  hash TEXT NOT NULL,
  PRIMARY KEY (chain, number)
) STRICT, WITHOUT ROWID;

CREATE TABLE chain_deposits (
  reference TEXT PRIMARY KEY,
  chain TEXT NOT NULL,
  user_id TEXT NOT NULL,
  address TEXT NOT NULL,
  currency TEXT NOT NULL,
  tx_hash TEXT NOT NULL,
  log_index INTEGER NOT NULL,
  block_number INTEGER NOT NULL,
  block_hash TEXT NOT NULL,
  value TEXT NOT NULL,
  amount INTEGER NOT NULL CHECK (amount >= 0),
  dust TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('credited','dust','too_large')),
  transfer_id TEXT NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX idx_chain_deposits_user ON chain_deposits(user_id);

-- This file is migration 2: the library applies it in one transaction and records it.
INSERT INTO schema_version (version, applied_at)
  VALUES (2, CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER));
