-- Schema version 1: the marketplace, the ledger, the outbox, the audit log, idempotency keys.
--
-- Conventions (shared with the PostgreSQL backend, see docs/storage.md): ids are TEXT
-- canonical UUIDs, amounts INTEGER units of 1e-8, times INTEGER microseconds UTC, statuses
-- TEXT names. Tables are STRICT so a sum that overflowed into a REAL can never be stored.
-- 999999999999999999 = W3W_AMOUNT_MAX, the DECIMAL(18,8) maximum.

CREATE TABLE supplies (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  currency TEXT NOT NULL,
  amount INTEGER NOT NULL,
  reserved INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL CHECK (status IN ('active','paused','exhausted','deleted')),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  CHECK (amount >= 0 AND amount <= 999999999999999999),
  CHECK (reserved >= 0 AND reserved <= amount)
) STRICT;
CREATE INDEX idx_supplies_user_id ON supplies(user_id, id);
CREATE INDEX idx_supplies_status ON supplies(status, id);
CREATE INDEX idx_supplies_created_at ON supplies(created_at);

-- The claim's supply lookup: oldest active supply of a user in a currency.
CREATE INDEX idx_supplies_claimable ON supplies(user_id, currency, created_at, id)
  WHERE status = 'active';

CREATE TABLE orders (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  currency TEXT NOT NULL,
  amount INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('open','claimed','completed','cancelled')),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  CHECK (amount >= 0 AND amount <= 999999999999999999)
) STRICT;
CREATE INDEX idx_orders_user_id ON orders(user_id, id);
CREATE INDEX idx_orders_status ON orders(status, id);
CREATE INDEX idx_orders_created_at ON orders(created_at);

-- The marketplace view: open orders, oldest first.
CREATE INDEX idx_orders_open ON orders(id) WHERE status = 'open';

CREATE TABLE order_items (
  id TEXT PRIMARY KEY,
  order_id TEXT NOT NULL REFERENCES orders(id),
  position INTEGER NOT NULL, -- items come back in the order they were given
 product_id TEXT NOT NULL,
  product_name TEXT NOT NULL,
  price INTEGER NOT NULL CHECK (price >= 0 AND price <= 999999999999999999),
  quantity INTEGER NOT NULL CHECK (quantity > 0)
) STRICT;
CREATE INDEX idx_order_items_order_id ON order_items(order_id, position);

CREATE TABLE claims (
  id TEXT PRIMARY KEY,
  order_id TEXT NOT NULL REFERENCES orders(id),
  user_id TEXT NOT NULL,
  supply_id TEXT NOT NULL REFERENCES supplies(id),
  status TEXT NOT NULL CHECK (status IN ('pending','processed','released')),
  claimed_at INTEGER NOT NULL,
  processed_at INTEGER,
  released_at INTEGER
) STRICT;

-- At most one live claim per order, whatever the code above does.
CREATE UNIQUE INDEX uq_claims_live_order ON claims(order_id)
  WHERE status IN ('pending','processed');
CREATE INDEX idx_claims_order_id ON claims(order_id);
CREATE INDEX idx_claims_user_id ON claims(user_id);
CREATE INDEX idx_claims_status ON claims(status);

-- The external account (nil UUID) has no row: its side lives in ledger_entries only.
CREATE TABLE accounts (
  user_id TEXT NOT NULL,
  currency TEXT NOT NULL,
  balance INTEGER NOT NULL DEFAULT 0,
  held INTEGER NOT NULL DEFAULT 0,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, currency),
  CHECK (balance <= 999999999999999999),
  CHECK (held >= 0 AND held <= balance)
) STRICT, WITHOUT ROWID;

CREATE TABLE transfers (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('deposit','withdrawal','transfer','settlement')),
  from_user_id TEXT NOT NULL,
  to_user_id TEXT NOT NULL,
  currency TEXT NOT NULL,
  amount INTEGER NOT NULL CHECK (amount > 0 AND amount <= 999999999999999999),
  reference TEXT NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX uq_transfers_deposit_reference ON transfers(reference)
  WHERE kind = 'deposit';
CREATE INDEX idx_transfers_created_at ON transfers(created_at);

CREATE TABLE ledger_entries (
  id INTEGER PRIMARY KEY,
  transfer_id TEXT NOT NULL REFERENCES transfers(id),
  user_id TEXT NOT NULL,
  currency TEXT NOT NULL,
  amount INTEGER NOT NULL, -- signed: -debit, +credit
 created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX idx_ledger_entries_transfer_id ON ledger_entries(transfer_id);
CREATE INDEX idx_ledger_entries_user_id ON ledger_entries(user_id, currency);

CREATE TABLE outbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL,
  type TEXT NOT NULL,
  topic TEXT NOT NULL,
  aggregate_id TEXT NOT NULL,
  actor_id TEXT NOT NULL,
  region TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  payload TEXT NOT NULL,
  sent_at INTEGER,
  lease_until INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX idx_outbox_pending ON outbox(seq) WHERE sent_at IS NULL;

CREATE TABLE audit_log (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL,
  actor_id TEXT NOT NULL,
  action TEXT NOT NULL,
  target_id TEXT NOT NULL,
  outcome TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  chain_pos INTEGER, -- NULL until sealed
 prev_hash BLOB,
  hash BLOB,
  CHECK ((chain_pos IS NULL) = (hash IS NULL))
) STRICT;
CREATE UNIQUE INDEX uq_audit_log_chain_pos ON audit_log(chain_pos) WHERE chain_pos IS NOT NULL;
CREATE INDEX idx_audit_log_unsealed ON audit_log(seq) WHERE chain_pos IS NULL;

CREATE TABLE idempotency_keys (
  actor_id TEXT NOT NULL,
  key TEXT NOT NULL,
  request_hash BLOB NOT NULL,
  result_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (actor_id, key)
) STRICT, WITHOUT ROWID;
CREATE INDEX idx_idempotency_keys_expires_at ON idempotency_keys(expires_at);

-- This file is migration 1: the library applies it in one transaction and records it.
INSERT INTO schema_version (version, applied_at)
  VALUES (1, CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER));
