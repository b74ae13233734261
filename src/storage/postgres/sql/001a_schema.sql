-- Schema version 1, part 1: tables, indexes, value conversions and the views the C code
-- reads. Part 2 (001b_functions.sql) holds the functions of the commands.
--
-- Conventions (shared with the SQLite backend, see docs/storage.md): the table and column
-- names of the system design; UUID ids; NUMERIC(18,8) amounts (per-row values never exceed
-- W3W_AMOUNT_MAX; sums are computed as unbounded NUMERIC); TIMESTAMPTZ times, exact to the
-- microsecond; statuses as text names. The external account (nil UUID) of deposits and
-- withdrawals has no accounts row: one hot row every deposit would lock. Its side lives in
-- ledger_entries only.

-- Exact conversions between the wire (int64 units and microseconds) and
-- the columns. us * interval '1 microsecond' multiplies in float8, exact
-- for |us| < 2^53 (year 2255); extract(epoch) is NUMERIC since PG 14.
CREATE FUNCTION w3w_ts(us bigint) RETURNS timestamptz
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT timestamptz 'epoch' + us * interval '1 microsecond' $$;

CREATE FUNCTION w3w_us(t timestamptz) RETURNS bigint
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT (extract(epoch FROM t) * 1000000)::bigint $$;

CREATE FUNCTION w3w_amt(units bigint) RETURNS numeric
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT units * 0.00000001 $$;

CREATE FUNCTION w3w_units(a numeric) RETURNS bigint
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT (a * 100000000)::bigint $$;

CREATE TABLE supplies (
  id uuid PRIMARY KEY,
  user_id uuid NOT NULL,
  currency varchar(10) NOT NULL,
  amount numeric(18,8) NOT NULL CHECK (amount >= 0),
  reserved numeric(18,8) NOT NULL DEFAULT 0 CHECK (reserved >= 0 AND reserved <= amount),
  status varchar(20) NOT NULL CHECK (status IN ('active','paused','exhausted','deleted')),
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX idx_supplies_user_id ON supplies (user_id, id);
CREATE INDEX idx_supplies_status ON supplies (status, id);
CREATE INDEX idx_supplies_created_at ON supplies (created_at);

-- The claim's pick: the claimer's oldest active supply in a currency.
CREATE INDEX idx_supplies_claimable ON supplies (user_id, currency, created_at, id)
  WHERE status = 'active';

CREATE TABLE orders (
  id uuid PRIMARY KEY,
  user_id uuid NOT NULL,
  currency varchar(10) NOT NULL,
  amount numeric(18,8) NOT NULL CHECK (amount >= 0),
  status varchar(20) NOT NULL CHECK (status IN ('open','claimed','completed','cancelled')),
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX idx_orders_user_id ON orders (user_id, id);
CREATE INDEX idx_orders_status ON orders (status, id);
CREATE INDEX idx_orders_created_at ON orders (created_at);

-- Open orders only: scans for claimable orders stay fast as claimed ones pile up.
CREATE INDEX idx_orders_open ON orders (id) WHERE status = 'open';

CREATE TABLE order_items (
  id uuid PRIMARY KEY,
  order_id uuid NOT NULL REFERENCES orders (id),
  position integer NOT NULL,
  -- items come back in the order they were given
  product_id uuid NOT NULL,
  product_name varchar(255) NOT NULL,
  price numeric(18,8) NOT NULL CHECK (price >= 0),
  quantity integer NOT NULL CHECK (quantity > 0)
);
CREATE UNIQUE INDEX idx_order_items_order_id ON order_items (order_id, position);

CREATE TABLE claims (
  id uuid PRIMARY KEY,
  order_id uuid NOT NULL REFERENCES orders (id),
  user_id uuid NOT NULL,
  supply_id uuid NOT NULL REFERENCES supplies (id),
  status varchar(20) NOT NULL CHECK (status IN ('pending','processed','released')),
  claimed_at timestamptz NOT NULL,
  processed_at timestamptz,
  released_at timestamptz
);

-- At most one live claim per order, whatever the code above it does.
CREATE UNIQUE INDEX uq_claims_live_order ON claims (order_id)
  WHERE status IN ('pending','processed');
CREATE INDEX idx_claims_order_id ON claims (order_id);
CREATE INDEX idx_claims_user_id ON claims (user_id);
CREATE INDEX idx_claims_status ON claims (status);

CREATE TABLE accounts (
  user_id uuid NOT NULL,
  currency varchar(10) NOT NULL,
  balance numeric(18,8) NOT NULL DEFAULT 0,
  held numeric(18,8) NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (user_id, currency),
  CHECK (held >= 0 AND held <= balance)
);

CREATE TABLE transfers (
  id uuid PRIMARY KEY,
  kind varchar(20) NOT NULL CHECK (kind IN ('deposit','withdrawal','transfer','settlement')),
  from_user_id uuid NOT NULL,
  to_user_id uuid NOT NULL,
  currency varchar(10) NOT NULL,
  amount numeric(18,8) NOT NULL CHECK (amount > 0),
  reference varchar(255) NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX uq_transfers_deposit_reference ON transfers (reference)
  WHERE kind = 'deposit';

-- A claim settles once; also how a processed claim finds its transfer.
CREATE UNIQUE INDEX uq_transfers_settlement_reference ON transfers (reference)
  WHERE kind = 'settlement';
CREATE INDEX idx_transfers_created_at ON transfers (created_at);

CREATE TABLE ledger_entries (
  id bigserial PRIMARY KEY,
  transfer_id uuid NOT NULL REFERENCES transfers (id),
  user_id uuid NOT NULL,
  currency varchar(10) NOT NULL,
  amount numeric(18,8) NOT NULL,
  -- signed: -debit, +credit
  created_at timestamptz NOT NULL
);
CREATE INDEX idx_ledger_entries_transfer_id ON ledger_entries (transfer_id);
CREATE INDEX idx_ledger_entries_user_id ON ledger_entries (user_id, currency);
CREATE INDEX idx_ledger_entries_currency ON ledger_entries (currency);

CREATE TABLE outbox (
  seq bigserial PRIMARY KEY,
  id uuid NOT NULL UNIQUE,
  -- also what proves a command committed (pg_exec.c)
  type varchar(32) NOT NULL,
  topic varchar(32) NOT NULL,
  aggregate_id uuid NOT NULL,
  actor_id uuid,
  region varchar(32) NOT NULL,
  created_at timestamptz NOT NULL,
  payload text NOT NULL,
  lease_until timestamptz,
  sent_at timestamptz
);
CREATE INDEX idx_outbox_pending ON outbox (seq) WHERE sent_at IS NULL;

-- outbox_take's "is any lease live?" without scanning the pending rows.
CREATE INDEX idx_outbox_leased ON outbox (lease_until)
  WHERE sent_at IS NULL AND lease_until IS NOT NULL;

CREATE TABLE audit_log (
  seq bigserial PRIMARY KEY,
  -- write order; chain order is chain_pos
  id uuid NOT NULL UNIQUE,
  actor_id uuid,
  action varchar(32) NOT NULL,
  target_id uuid,
  outcome varchar(32) NOT NULL,
  created_at timestamptz NOT NULL,
  chain_pos bigint UNIQUE,
  -- NULL until sealed
  prev_hash bytea,
  hash bytea,
  CHECK ((chain_pos IS NULL) = (hash IS NULL))
);
CREATE INDEX idx_audit_log_unsealed ON audit_log (seq) WHERE chain_pos IS NULL;

CREATE TABLE idempotency_keys (
  actor_id uuid NOT NULL,
  key varchar(255) NOT NULL,
  request_hash bytea NOT NULL,
  result_id uuid NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (actor_id, key)
);
CREATE INDEX idx_idempotency_keys_expires_at ON idempotency_keys (expires_at);

-- What the C code reads: wire-shaped columns (see W3W__PG_*_COLS in pg.h).
CREATE VIEW w3w_supply_v AS SELECT id, user_id, currency::text AS currency,
  w3w_units(amount) AS amount, w3w_units(reserved) AS reserved, status::text AS status,
  w3w_us(created_at) AS created_at, w3w_us(updated_at) AS updated_at FROM supplies;

CREATE VIEW w3w_order_v AS SELECT id, user_id, currency::text AS currency,
  w3w_units(amount) AS amount, status::text AS status,
  w3w_us(created_at) AS created_at, w3w_us(updated_at) AS updated_at FROM orders;

CREATE VIEW w3w_order_item_v AS SELECT o.*, i.id AS item_id, i.product_id,
  i.product_name::text AS product_name, w3w_units(i.price) AS price,
  i.quantity::bigint AS quantity, i.position
  FROM w3w_order_v o LEFT JOIN order_items i ON i.order_id = o.id;

CREATE VIEW w3w_claim_v AS SELECT c.id, c.order_id, c.user_id, c.supply_id,
  c.status::text AS status, w3w_us(c.claimed_at) AS claimed_at,
  w3w_us(c.processed_at) AS processed_at, w3w_us(c.released_at) AS released_at,
  o.user_id AS order_user_id FROM claims c JOIN orders o ON o.id = c.order_id;

CREATE VIEW w3w_transfer_v AS SELECT id, kind::text AS kind, from_user_id, to_user_id,
  currency::text AS currency, w3w_units(amount) AS amount, reference::text AS reference,
  w3w_us(created_at) AS created_at FROM transfers;
