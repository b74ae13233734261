/*
 * Schema version 1: tables, indexes, value conversions and the views the
 * C code reads. The functions of the commands are in pg_functions_v1.c.
 *
 * Conventions (shared with the SQLite backend, see docs/storage.md): the
 * table and column names of the system design; UUID ids; NUMERIC(18,8)
 * amounts (per-row values never exceed W3W_AMOUNT_MAX; sums are computed
 * as unbounded NUMERIC); TIMESTAMPTZ times, exact to the microsecond;
 * statuses as text names. The external account (nil UUID) of deposits and
 * withdrawals has no accounts row: one hot row every deposit would lock.
 * Its side lives in ledger_entries only.
 */
#include "storage/postgres/pg.h"

const char w3w__pg_schema_v1[] =
	/*
	 * Exact conversions between the wire (int64 units and microseconds) and
	 * the columns. us * interval '1 microsecond' multiplies in float8, exact
	 * for |us| < 2^53 (year 2255); extract(epoch) is NUMERIC since PG 14.
	 */
	"CREATE FUNCTION w3w_ts(us bigint) RETURNS timestamptz"
	" LANGUAGE sql STABLE PARALLEL SAFE"
	" AS $$ SELECT timestamptz 'epoch' + us * interval '1 microsecond' $$;\n"
	"CREATE FUNCTION w3w_us(t timestamptz) RETURNS bigint"
	" LANGUAGE sql STABLE PARALLEL SAFE"
	" AS $$ SELECT (extract(epoch FROM t) * 1000000)::bigint $$;\n"
	"CREATE FUNCTION w3w_amt(units bigint) RETURNS numeric"
	" LANGUAGE sql IMMUTABLE PARALLEL SAFE"
	" AS $$ SELECT units * 0.00000001 $$;\n"
	"CREATE FUNCTION w3w_units(a numeric) RETURNS bigint"
	" LANGUAGE sql IMMUTABLE PARALLEL SAFE"
	" AS $$ SELECT (a * 100000000)::bigint $$;\n"

	"CREATE TABLE supplies (\n"
	"  id uuid PRIMARY KEY,\n"
	"  user_id uuid NOT NULL,\n"
	"  currency varchar(10) NOT NULL,\n"
	"  amount numeric(18,8) NOT NULL CHECK (amount >= 0),\n"
	"  reserved numeric(18,8) NOT NULL DEFAULT 0 CHECK (reserved >= 0 AND reserved <= amount),\n"
	"  status varchar(20) NOT NULL CHECK (status IN ('active','paused','exhausted','deleted')),\n"
	"  created_at timestamptz NOT NULL,\n"
	"  updated_at timestamptz NOT NULL\n"
	");\n"
	"CREATE INDEX idx_supplies_user_id ON supplies (user_id, id);\n"
	"CREATE INDEX idx_supplies_status ON supplies (status, id);\n"
	"CREATE INDEX idx_supplies_created_at ON supplies (created_at);\n"
	/* The claim's pick: the claimer's oldest active supply in a currency. */
	"CREATE INDEX idx_supplies_claimable ON supplies (user_id, currency, created_at, id)"
	" WHERE status = 'active';\n"

	"CREATE TABLE orders (\n"
	"  id uuid PRIMARY KEY,\n"
	"  user_id uuid NOT NULL,\n"
	"  currency varchar(10) NOT NULL,\n"
	"  amount numeric(18,8) NOT NULL CHECK (amount >= 0),\n"
	"  status varchar(20) NOT NULL CHECK (status IN ('open','claimed','completed','cancelled')),\n"
	"  created_at timestamptz NOT NULL,\n"
	"  updated_at timestamptz NOT NULL\n"
	");\n"
	"CREATE INDEX idx_orders_user_id ON orders (user_id, id);\n"
	"CREATE INDEX idx_orders_status ON orders (status, id);\n"
	"CREATE INDEX idx_orders_created_at ON orders (created_at);\n"
	/* Open orders only: scans for claimable orders stay fast as claimed ones pile up. */
	"CREATE INDEX idx_orders_open ON orders (id) WHERE status = 'open';\n"

	"CREATE TABLE order_items (\n"
	"  id uuid PRIMARY KEY,\n"
	"  order_id uuid NOT NULL REFERENCES orders (id),\n"
	"  position integer NOT NULL,\n" /* items come back in the order they were given */
	"  product_id uuid NOT NULL,\n"
	"  product_name varchar(255) NOT NULL,\n"
	"  price numeric(18,8) NOT NULL CHECK (price >= 0),\n"
	"  quantity integer NOT NULL CHECK (quantity > 0)\n"
	");\n"
	"CREATE UNIQUE INDEX idx_order_items_order_id ON order_items (order_id, position);\n"

	"CREATE TABLE claims (\n"
	"  id uuid PRIMARY KEY,\n"
	"  order_id uuid NOT NULL REFERENCES orders (id),\n"
	"  user_id uuid NOT NULL,\n"
	"  supply_id uuid NOT NULL REFERENCES supplies (id),\n"
	"  status varchar(20) NOT NULL CHECK (status IN ('pending','processed','released')),\n"
	"  claimed_at timestamptz NOT NULL,\n"
	"  processed_at timestamptz,\n"
	"  released_at timestamptz\n"
	");\n"
	/* At most one live claim per order, whatever the code above it does. */
	"CREATE UNIQUE INDEX uq_claims_live_order ON claims (order_id)"
	" WHERE status IN ('pending','processed');\n"
	"CREATE INDEX idx_claims_order_id ON claims (order_id);\n"
	"CREATE INDEX idx_claims_user_id ON claims (user_id);\n"
	"CREATE INDEX idx_claims_status ON claims (status);\n"

	"CREATE TABLE accounts (\n"
	"  user_id uuid NOT NULL,\n"
	"  currency varchar(10) NOT NULL,\n"
	"  balance numeric(18,8) NOT NULL DEFAULT 0,\n"
	"  held numeric(18,8) NOT NULL DEFAULT 0,\n"
	"  updated_at timestamptz NOT NULL,\n"
	"  PRIMARY KEY (user_id, currency),\n"
	"  CHECK (held >= 0 AND held <= balance)\n"
	");\n"

	"CREATE TABLE transfers (\n"
	"  id uuid PRIMARY KEY,\n"
	"  kind varchar(20) NOT NULL CHECK (kind IN ('deposit','withdrawal','transfer','settlement')),\n"
	"  from_user_id uuid NOT NULL,\n"
	"  to_user_id uuid NOT NULL,\n"
	"  currency varchar(10) NOT NULL,\n"
	"  amount numeric(18,8) NOT NULL CHECK (amount > 0),\n"
	"  reference varchar(255) NOT NULL,\n"
	"  created_at timestamptz NOT NULL\n"
	");\n"
	"CREATE UNIQUE INDEX uq_transfers_deposit_reference ON transfers (reference)"
	" WHERE kind = 'deposit';\n"
	/* A claim settles once; also how a processed claim finds its transfer. */
	"CREATE UNIQUE INDEX uq_transfers_settlement_reference ON transfers (reference)"
	" WHERE kind = 'settlement';\n"
	"CREATE INDEX idx_transfers_created_at ON transfers (created_at);\n"

	"CREATE TABLE ledger_entries (\n"
	"  id bigserial PRIMARY KEY,\n"
	"  transfer_id uuid NOT NULL REFERENCES transfers (id),\n"
	"  user_id uuid NOT NULL,\n"
	"  currency varchar(10) NOT NULL,\n"
	"  amount numeric(18,8) NOT NULL,\n" /* signed: -debit, +credit */
	"  created_at timestamptz NOT NULL\n"
	");\n"
	"CREATE INDEX idx_ledger_entries_transfer_id ON ledger_entries (transfer_id);\n"
	"CREATE INDEX idx_ledger_entries_user_id ON ledger_entries (user_id, currency);\n"
	"CREATE INDEX idx_ledger_entries_currency ON ledger_entries (currency);\n"

	"CREATE TABLE outbox (\n"
	"  seq bigserial PRIMARY KEY,\n"
	"  id uuid NOT NULL UNIQUE,\n" /* also what proves a command committed (pg_exec.c) */
	"  type varchar(32) NOT NULL,\n"
	"  topic varchar(32) NOT NULL,\n"
	"  aggregate_id uuid NOT NULL,\n"
	"  actor_id uuid,\n"
	"  region varchar(32) NOT NULL,\n"
	"  created_at timestamptz NOT NULL,\n"
	"  payload text NOT NULL,\n"
	"  lease_until timestamptz,\n"
	"  sent_at timestamptz\n"
	");\n"
	"CREATE INDEX idx_outbox_pending ON outbox (seq) WHERE sent_at IS NULL;\n"
	/* outbox_take's "is any lease live?" without scanning the pending rows. */
	"CREATE INDEX idx_outbox_leased ON outbox (lease_until)"
	" WHERE sent_at IS NULL AND lease_until IS NOT NULL;\n"

	"CREATE TABLE audit_log (\n"
	"  seq bigserial PRIMARY KEY,\n" /* write order; chain order is chain_pos */
	"  id uuid NOT NULL UNIQUE,\n"
	"  actor_id uuid,\n"
	"  action varchar(32) NOT NULL,\n"
	"  target_id uuid,\n"
	"  outcome varchar(32) NOT NULL,\n"
	"  created_at timestamptz NOT NULL,\n"
	"  chain_pos bigint UNIQUE,\n" /* NULL until sealed */
	"  prev_hash bytea,\n"
	"  hash bytea,\n"
	"  CHECK ((chain_pos IS NULL) = (hash IS NULL))\n"
	");\n"
	"CREATE INDEX idx_audit_log_unsealed ON audit_log (seq) WHERE chain_pos IS NULL;\n"

	"CREATE TABLE idempotency_keys (\n"
	"  actor_id uuid NOT NULL,\n"
	"  key varchar(255) NOT NULL,\n"
	"  request_hash bytea NOT NULL,\n"
	"  result_id uuid NOT NULL,\n"
	"  created_at timestamptz NOT NULL,\n"
	"  expires_at timestamptz NOT NULL,\n"
	"  PRIMARY KEY (actor_id, key)\n"
	");\n"
	"CREATE INDEX idx_idempotency_keys_expires_at ON idempotency_keys (expires_at);\n"

	/* What the C code reads: wire-shaped columns (see W3W__PG_*_COLS in pg.h). */
	"CREATE VIEW w3w_supply_v AS SELECT id, user_id, currency::text AS currency,"
	" w3w_units(amount) AS amount, w3w_units(reserved) AS reserved, status::text AS status,"
	" w3w_us(created_at) AS created_at, w3w_us(updated_at) AS updated_at FROM supplies;\n"
	"CREATE VIEW w3w_order_v AS SELECT id, user_id, currency::text AS currency,"
	" w3w_units(amount) AS amount, status::text AS status,"
	" w3w_us(created_at) AS created_at, w3w_us(updated_at) AS updated_at FROM orders;\n"
	"CREATE VIEW w3w_order_item_v AS SELECT o.*, i.id AS item_id, i.product_id,"
	" i.product_name::text AS product_name, w3w_units(i.price) AS price,"
	" i.quantity::bigint AS quantity, i.position"
	" FROM w3w_order_v o LEFT JOIN order_items i ON i.order_id = o.id;\n"
	"CREATE VIEW w3w_claim_v AS SELECT c.id, c.order_id, c.user_id, c.supply_id,"
	" c.status::text AS status, w3w_us(c.claimed_at) AS claimed_at,"
	" w3w_us(c.processed_at) AS processed_at, w3w_us(c.released_at) AS released_at,"
	" o.user_id AS order_user_id FROM claims c JOIN orders o ON o.id = c.order_id;\n"
	"CREATE VIEW w3w_transfer_v AS SELECT id, kind::text AS kind, from_user_id, to_user_id,"
	" currency::text AS currency, w3w_units(amount) AS amount, reference::text AS reference,"
	" w3w_us(created_at) AS created_at FROM transfers;\n";
