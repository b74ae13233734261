/*
 * Schema version 2: the wallet tables (sealed secrets, deposit wallets,
 * withdrawals with their nonces, the deposit watcher, deposits seen on
 * chain), their views, and the functions behind the wallet write
 * commands. Same conventions as version 1 (pg_schema_v1.c,
 * pg_functions_v1.c): one function call per command, refusals raise the
 * W3xxx SQLSTATEs, w3w_record() writes the outbox event and the audit
 * record, w3w_idem_begin() the idempotency key.
 */
#include "storage/postgres/pg.h"
#include "storage/postgres/pg_wallet.h"

#define META_ARGS \
	"p_actor uuid, p_key text, p_hash bytea, p_expires bigint, p_now bigint," \
	" e_id uuid, e_type text, e_topic text, e_aggregate uuid, e_actor uuid, e_region text," \
	" e_at bigint, e_payload text," \
	" a_id uuid, a_actor uuid, a_action text, a_target uuid, a_outcome text, a_at bigint"

#define RECORD \
	"PERFORM w3w_record(e_id, e_type, e_topic, e_aggregate, e_actor, e_region, e_at, e_payload," \
	" a_id, a_actor, a_action, a_target, a_outcome, a_at);\n"

#define FAIL(code, msg) "PERFORM w3w_fail('" code "', " msg ");\n"

#define PLPGSQL "LANGUAGE plpgsql AS $$\n#variable_conflict use_column\n"

/* Advisory lock classes: 87331 migrations, 87332 audit sealing (version 1); ours: */
#define SECRETS_LOCK "87333"
#define WATCH_LOCK "87334"

#define WITHDRAWAL_TABLE \
	"TABLE (replayed boolean, id uuid, user_id uuid, chain text, currency text, amount bigint," \
	" to_address text, from_address text, nonce bigint, tx_hash text, raw_tx text, status text," \
	" error text, transfer_id uuid, created_at bigint, updated_at bigint)"

const char w3w__pg_wallet_v2[] =
	"CREATE TABLE wallet_secrets (\n"
	"  purpose varchar(32) NOT NULL,\n"
	"  key_id varchar(16) NOT NULL,\n"
	"  origin varchar(16) NOT NULL,\n"
	"  blob bytea NOT NULL,\n"
	"  created_at timestamptz NOT NULL,\n"
	"  PRIMARY KEY (purpose, key_id)\n"
	");\n"

	"CREATE TABLE wallet_indexes (\n"
	"  chain varchar(16) PRIMARY KEY,\n"
	"  next bigint NOT NULL CHECK (next >= 0)\n"
	");\n"

	"CREATE TABLE wallets (\n"
	"  id uuid PRIMARY KEY,\n"
	"  user_id uuid NOT NULL,\n"
	"  chain varchar(16) NOT NULL,\n"
	"  address varchar(64) NOT NULL,\n"
	"  idx bigint NOT NULL CHECK (idx >= 0),\n"
	"  created_at timestamptz NOT NULL\n"
	");\n"
	"CREATE UNIQUE INDEX uq_wallets_user_chain ON wallets (user_id, chain);\n"
	"CREATE UNIQUE INDEX uq_wallets_chain_idx ON wallets (chain, idx);\n"
	"CREATE UNIQUE INDEX uq_wallets_chain_address ON wallets (chain, address);\n"

	"CREATE TABLE withdrawals (\n"
	"  id uuid PRIMARY KEY,\n"
	"  user_id uuid NOT NULL,\n"
	"  chain varchar(32) NOT NULL,\n"
	"  currency varchar(10) NOT NULL,\n"
	"  amount numeric(18,8) NOT NULL CHECK (amount > 0),\n"
	"  to_address varchar(64) NOT NULL,\n"
	"  from_address varchar(64) NOT NULL,\n"
	"  nonce bigint NOT NULL CHECK (nonce >= 0),\n"
	"  tx_hash varchar(66) NOT NULL DEFAULT '',\n"
	"  raw_tx text NOT NULL DEFAULT '',\n"
	"  status varchar(16) NOT NULL CHECK (status IN ('held','signed','broadcast','confirmed','failed','dropped')),\n"
	"  error varchar(255) NOT NULL DEFAULT '',\n"
	"  transfer_id uuid,\n"
	"  created_at timestamptz NOT NULL,\n"
	"  updated_at timestamptz NOT NULL\n"
	");\n"
	"CREATE INDEX idx_withdrawals_open ON withdrawals (chain, created_at)"
	" WHERE status IN ('held','signed','broadcast');\n"
	"CREATE INDEX idx_withdrawals_user ON withdrawals (user_id, id);\n"
	/* One live (or mined) withdrawal per nonce of a sender, whatever the code above does. */
	"CREATE UNIQUE INDEX uq_withdrawals_nonce ON withdrawals (chain, from_address, nonce)"
	" WHERE status IN ('held','signed','broadcast','confirmed');\n"

	"CREATE TABLE chain_nonces (\n"
	"  chain varchar(32) NOT NULL,\n"
	"  address varchar(64) NOT NULL,\n"
	"  next bigint NOT NULL CHECK (next >= 0),\n"
	"  PRIMARY KEY (chain, address)\n"
	");\n"
	/* Nonces of withdrawals that never reached a pool: the next withdrawal fills the gap. */
	"CREATE TABLE chain_free_nonces (\n"
	"  chain varchar(32) NOT NULL,\n"
	"  address varchar(64) NOT NULL,\n"
	"  nonce bigint NOT NULL,\n"
	"  PRIMARY KEY (chain, address, nonce)\n"
	");\n"

	"CREATE TABLE watch_cursors (\n"
	"  chain varchar(32) PRIMARY KEY,\n"
	"  number bigint NOT NULL,\n"
	"  hash varchar(66) NOT NULL,\n"
	"  updated_at timestamptz NOT NULL\n"
	");\n"
	"CREATE TABLE watch_blocks (\n"
	"  chain varchar(32) NOT NULL,\n"
	"  number bigint NOT NULL,\n"
	"  hash varchar(66) NOT NULL,\n"
	"  PRIMARY KEY (chain, number)\n"
	");\n"

	"CREATE TABLE chain_deposits (\n"
	"  reference varchar(255) PRIMARY KEY,\n"
	"  chain varchar(32) NOT NULL,\n"
	"  user_id uuid NOT NULL,\n"
	"  address varchar(64) NOT NULL,\n"
	"  currency varchar(10) NOT NULL,\n"
	"  tx_hash varchar(66) NOT NULL,\n"
	"  log_index bigint NOT NULL,\n"
	"  block_number bigint NOT NULL,\n"
	"  block_hash varchar(66) NOT NULL,\n"
	"  value varchar(80) NOT NULL,\n"
	"  amount numeric(18,8) NOT NULL CHECK (amount >= 0),\n"
	"  dust varchar(80) NOT NULL,\n"
	"  status varchar(16) NOT NULL CHECK (status IN ('credited','dust','too_large')),\n"
	"  transfer_id uuid,\n"
	"  created_at timestamptz NOT NULL\n"
	");\n"
	"CREATE INDEX idx_chain_deposits_user_id ON chain_deposits (user_id);\n"

	/* What the C code reads (W3W__PGW_*_COLS in pg_wallet.h). */
	"CREATE VIEW w3w_wallet_v AS SELECT id, user_id, chain::text AS chain, address::text AS address,"
	" idx, w3w_us(created_at) AS created_at FROM wallets;\n"
	"CREATE VIEW w3w_withdrawal_v AS SELECT id, user_id, chain::text AS chain, currency::text AS currency,"
	" w3w_units(amount) AS amount, to_address::text AS to_address, from_address::text AS from_address, nonce,"
	" tx_hash::text AS tx_hash, raw_tx, status::text AS status, error::text AS error, transfer_id,"
	" w3w_us(created_at) AS created_at, w3w_us(updated_at) AS updated_at FROM withdrawals;\n"
	"CREATE VIEW w3w_chain_deposit_v AS SELECT reference::text AS reference, chain::text AS chain, user_id,"
	" address::text AS address, currency::text AS currency, tx_hash::text AS tx_hash, log_index, block_number,"
	" block_hash::text AS block_hash, value::text AS value, w3w_units(amount) AS amount, dust::text AS dust,"
	" status::text AS status, transfer_id, w3w_us(created_at) AS created_at FROM chain_deposits;\n"

	/* ---- secrets ---------------------------------------------------------------- */
	/* Blobs arrive as hex text (one array per field, in the same order). */
	"CREATE FUNCTION w3w_secrets_create(" META_ARGS ", p_purposes text[], p_key_ids text[], p_origins text[],"
	" p_blobs text[], p_created bigint[]) RETURNS void\n"
	PLPGSQL
	"BEGIN\n"
	/* Two first uses under different keys must not both create a seed: one at a time. */
	"  PERFORM pg_advisory_xact_lock(" SECRETS_LOCK ", 0);\n"
	"  IF EXISTS (SELECT 1 FROM wallet_secrets s WHERE s.purpose = p_purposes[1]) THEN\n"
	"    " FAIL(W3W__PG_SQLSTATE_CONFLICT, "format('secret %s: already exists', p_purposes[1])")
	"  END IF;\n"
	"  INSERT INTO wallet_secrets (purpose, key_id, origin, blob, created_at)\n"
	"  SELECT u.p, u.k, u.o, decode(u.b, 'hex'), w3w_ts(u.c)\n"
	"    FROM unnest(p_purposes, p_key_ids, p_origins, p_blobs, p_created) AS u(p, k, o, b, c);\n"
	"  " RECORD
	"END $$;\n"

	"CREATE FUNCTION w3w_secrets_reseal(" META_ARGS ", p_from text, p_purposes text[], p_key_ids text[],"
	" p_origins text[], p_blobs text[], p_created bigint[]) RETURNS void\n"
	PLPGSQL
	"DECLARE v_missing text;\n"
	"BEGIN\n"
	"  PERFORM pg_advisory_xact_lock(" SECRETS_LOCK ", 0);\n"
	"  SELECT u.p INTO v_missing FROM unnest(p_purposes) AS u(p)\n"
	"   WHERE NOT EXISTS (SELECT 1 FROM wallet_secrets s WHERE s.purpose = u.p AND s.key_id = p_from) LIMIT 1;\n"
	"  IF v_missing IS NOT NULL THEN\n"
	"    " FAIL(W3W__PG_SQLSTATE_STATE, "format('secret %s: no copy under key %s', v_missing, p_from)")
	"  END IF;\n"
	"  INSERT INTO wallet_secrets AS s (purpose, key_id, origin, blob, created_at)\n"
	"  SELECT u.p, u.k, u.o, decode(u.b, 'hex'), w3w_ts(u.c)\n"
	"    FROM unnest(p_purposes, p_key_ids, p_origins, p_blobs, p_created) AS u(p, k, o, b, c)\n"
	"  ON CONFLICT (purpose, key_id) DO UPDATE SET origin = EXCLUDED.origin, blob = EXCLUDED.blob,\n"
	"    created_at = EXCLUDED.created_at;\n"
	"  DELETE FROM wallet_secrets s WHERE s.key_id <> p_from AND s.key_id <> p_key_ids[1];\n"
	"  " RECORD
	"END $$;\n"

	"CREATE FUNCTION w3w_secrets_retire(" META_ARGS ", p_keep text) RETURNS bigint\n"
	PLPGSQL
	"DECLARE v_missing text; v_deleted bigint;\n"
	"BEGIN\n"
	"  PERFORM pg_advisory_xact_lock(" SECRETS_LOCK ", 0);\n"
	"  SELECT s.purpose INTO v_missing FROM wallet_secrets s GROUP BY s.purpose\n"
	"   HAVING count(*) FILTER (WHERE s.key_id = p_keep) = 0 LIMIT 1;\n"
	"  IF v_missing IS NOT NULL THEN\n"
	"    " FAIL(W3W__PG_SQLSTATE_STATE, "format('secret %s: no copy under key %s; nothing deleted', v_missing, p_keep)")
	"  END IF;\n"
	"  DELETE FROM wallet_secrets s WHERE s.key_id <> p_keep;\n"
	"  GET DIAGNOSTICS v_deleted = ROW_COUNT;\n"
	"  " RECORD
	"  RETURN v_deleted;\n"
	"END $$;\n"

	/* ---- wallets ------------------------------------------------------------------ */
	"CREATE FUNCTION w3w_wallet_create(" META_ARGS ", p_id uuid, p_user uuid, p_chain text, p_address text,"
	" p_idx bigint, p_created bigint)\n"
	"RETURNS TABLE (replayed boolean, id uuid, user_id uuid, chain text, address text, idx bigint, created_at bigint)\n"
	PLPGSQL
	"DECLARE v_replay uuid; v_other uuid;\n"
	"BEGIN\n"
	"  v_replay := w3w_idem_begin(p_actor, p_key, p_hash, p_expires, p_now, p_id);\n"
	"  IF v_replay IS NULL THEN\n"
	"    INSERT INTO wallets (id, user_id, chain, address, idx, created_at)\n"
	"    VALUES (p_id, p_user, p_chain, p_address, p_idx, w3w_ts(p_created))\n"
	"    ON CONFLICT DO NOTHING;\n"
	"    IF NOT FOUND THEN\n"
	"      SELECT w.id INTO v_other FROM wallets w WHERE w.user_id = p_user AND w.chain = p_chain;\n"
	"      IF v_other IS NOT NULL THEN\n"
	"        " FAIL(W3W__PG_SQLSTATE_CONFLICT, "format('chain: user %s already has an %s wallet (%s)', p_user, p_chain, v_other)")
	"      END IF;\n"
	"      " FAIL(W3W__PG_SQLSTATE_CONFLICT, "format('wallet: index %s or address %s of %s is taken', p_idx, p_address, p_chain)")
	"    END IF;\n"
	"    " RECORD
	"  END IF;\n"
	"  RETURN QUERY SELECT v_replay IS NOT NULL, v.* FROM w3w_wallet_v v WHERE v.id = coalesce(v_replay, p_id);\n"
	"END $$;\n"

	/* ---- withdrawals --------------------------------------------------------------- */
	/*
	 * Nonce of a sender: its chain_nonces row is locked for the whole
	 * allocation, so concurrent withdrawals take turns; a given-back nonce
	 * at or above the node's floor is used first.
	 */
	"CREATE FUNCTION w3w_nonce_take(p_chain text, p_address text, p_floor bigint) RETURNS bigint\n"
	PLPGSQL
	"DECLARE v_next bigint; v_free bigint;\n"
	"BEGIN\n"
	"  INSERT INTO chain_nonces (chain, address, next) VALUES (p_chain, p_address, p_floor)\n"
	"  ON CONFLICT (chain, address) DO NOTHING;\n"
	"  SELECT n.next INTO v_next FROM chain_nonces n WHERE n.chain = p_chain AND n.address = p_address FOR UPDATE;\n"
	"  DELETE FROM chain_free_nonces f WHERE f.chain = p_chain AND f.address = p_address AND f.nonce < p_floor;\n"
	"  SELECT min(f.nonce) INTO v_free FROM chain_free_nonces f WHERE f.chain = p_chain AND f.address = p_address;\n"
	"  IF v_free IS NOT NULL THEN\n"
	"    DELETE FROM chain_free_nonces f WHERE f.chain = p_chain AND f.address = p_address AND f.nonce = v_free;\n"
	"    RETURN v_free;\n"
	"  END IF;\n"
	"  v_next := greatest(v_next, p_floor);\n"
	"  UPDATE chain_nonces n SET next = v_next + 1 WHERE n.chain = p_chain AND n.address = p_address;\n"
	"  RETURN v_next;\n"
	"END $$;\n"

	"CREATE FUNCTION w3w_withdrawal_create(" META_ARGS ", p_id uuid, p_user uuid, p_chain text, p_currency text,"
	" p_amount bigint, p_to text, p_from text, p_floor bigint, p_created bigint)\n"
	"RETURNS " WITHDRAWAL_TABLE "\n"
	PLPGSQL
	"DECLARE v_replay uuid; v_amt numeric := w3w_amt(p_amount); v_nonce bigint;\n"
	"BEGIN\n"
	"  v_replay := w3w_idem_begin(p_actor, p_key, p_hash, p_expires, p_now, p_id);\n"
	"  IF v_replay IS NULL THEN\n"
	"    UPDATE accounts a SET held = a.held + v_amt, updated_at = w3w_ts(p_now)\n"
	"     WHERE a.user_id = p_user AND a.currency = p_currency AND a.balance - a.held >= v_amt;\n"
	"    IF NOT FOUND THEN\n"
	"      " FAIL(W3W__PG_SQLSTATE_INSUFFICIENT, "format('available %s of user %s is less than %s', p_currency, p_user, v_amt)")
	"    END IF;\n"
	"    v_nonce := w3w_nonce_take(p_chain, p_from, p_floor);\n"
	"    INSERT INTO withdrawals (id, user_id, chain, currency, amount, to_address, from_address, nonce, status,\n"
	"      created_at, updated_at)\n"
	"    VALUES (p_id, p_user, p_chain, p_currency, v_amt, p_to, p_from, v_nonce, 'held', w3w_ts(p_created),\n"
	"      w3w_ts(p_created));\n"
	"    " RECORD
	"  END IF;\n"
	"  RETURN QUERY SELECT v_replay IS NOT NULL, v.* FROM w3w_withdrawal_v v WHERE v.id = coalesce(v_replay, p_id);\n"
	"END $$;\n"

	"CREATE FUNCTION w3w_withdrawal_update(" META_ARGS ", p_id uuid, p_from_status text, p_to_status text,"
	" p_tx_hash text, p_raw text, p_error text, p_give_back boolean, p_transfer uuid, p_transfer_at bigint,"
	" p_reference text)\n"
	"RETURNS " WITHDRAWAL_TABLE "\n"
	PLPGSQL
	"DECLARE v_row withdrawals%ROWTYPE; v_now timestamptz := w3w_ts(p_now);\n"
	"  v_nil CONSTANT uuid := '" W3W_EXTERNAL_USER_ID "';\n"
	"BEGIN\n"
	"  SELECT * INTO v_row FROM withdrawals w WHERE w.id = p_id FOR UPDATE;\n"
	"  IF NOT FOUND THEN\n"
	"    " FAIL(W3W__PG_SQLSTATE_NOTFOUND, "format('withdrawal %s: not found', p_id)")
	"  END IF;\n"
	"  IF v_row.status <> p_from_status THEN\n"
	"    " FAIL(W3W__PG_SQLSTATE_STATE, "format('withdrawal %s: is %s, not %s', p_id, v_row.status, p_from_status)")
	"  END IF;\n"
	"  IF p_to_status = 'confirmed' THEN\n"
	/* Settle: the hold leaves the books as a withdrawal to the external account. */
	"    UPDATE accounts a SET balance = a.balance - v_row.amount, held = a.held - v_row.amount, updated_at = v_now\n"
	"     WHERE a.user_id = v_row.user_id AND a.currency = v_row.currency AND a.held >= v_row.amount;\n"
	"    IF NOT FOUND THEN\n"
	"      " FAIL(W3W__PG_SQLSTATE_BROKEN, "format('withdrawal %s: its amount is not held', p_id)")
	"    END IF;\n"
	"    INSERT INTO transfers (id, kind, from_user_id, to_user_id, currency, amount, reference, created_at)\n"
	"    VALUES (p_transfer, 'withdrawal', v_row.user_id, v_nil, v_row.currency, v_row.amount, p_reference,\n"
	"      w3w_ts(p_transfer_at));\n"
	"    INSERT INTO ledger_entries (transfer_id, user_id, currency, amount, created_at)\n"
	"    VALUES (p_transfer, v_row.user_id, v_row.currency, -v_row.amount, w3w_ts(p_transfer_at)),\n"
	"           (p_transfer, v_nil, v_row.currency, v_row.amount, w3w_ts(p_transfer_at));\n"
	"  ELSIF p_to_status IN ('failed', 'dropped') THEN\n"
	"    UPDATE accounts a SET held = a.held - v_row.amount, updated_at = v_now\n"
	"     WHERE a.user_id = v_row.user_id AND a.currency = v_row.currency AND a.held >= v_row.amount;\n"
	"    IF NOT FOUND THEN\n"
	"      " FAIL(W3W__PG_SQLSTATE_BROKEN, "format('withdrawal %s: its amount is not held', p_id)")
	"    END IF;\n"
	"  END IF;\n"
	"  UPDATE withdrawals w SET status = p_to_status, updated_at = v_now,\n"
	"    tx_hash = CASE WHEN p_tx_hash = '' THEN w.tx_hash ELSE p_tx_hash END,\n"
	"    raw_tx = CASE WHEN p_raw = '' THEN w.raw_tx ELSE p_raw END,\n"
	"    error = CASE WHEN p_error = '' THEN w.error ELSE left(p_error, 255) END,\n"
	"    transfer_id = CASE WHEN p_to_status = 'confirmed' THEN p_transfer ELSE w.transfer_id END\n"
	"   WHERE w.id = p_id;\n"
	"  IF p_give_back THEN\n"
	"    INSERT INTO chain_free_nonces (chain, address, nonce) VALUES (v_row.chain, v_row.from_address, v_row.nonce)\n"
	"    ON CONFLICT DO NOTHING;\n"
	"  END IF;\n"
	"  " RECORD
	"  RETURN QUERY SELECT false, v.* FROM w3w_withdrawal_v v WHERE v.id = p_id;\n"
	"END $$;\n"

	/* ---- the deposit watcher -------------------------------------------------------- */
	"CREATE FUNCTION w3w_watch_advance(p_chain text, p_expect bigint, p_numbers bigint[], p_hashes text[],"
	" p_keep bigint) RETURNS void\n"
	PLPGSQL
	"DECLARE v_have bigint; v_n int := cardinality(p_numbers);\n"
	"BEGIN\n"
	"  PERFORM pg_advisory_xact_lock(" WATCH_LOCK ", hashtext(p_chain));\n"
	"  SELECT c.number INTO v_have FROM watch_cursors c WHERE c.chain = p_chain;\n"
	"  IF coalesce(v_have, -1) <> p_expect THEN\n"
	"    " FAIL(W3W__PG_SQLSTATE_CONFLICT, "format('watch cursor of %s: at %s, expected %s (another watcher?)', p_chain, coalesce(v_have, -1), p_expect)")
	"  END IF;\n"
	"  INSERT INTO watch_blocks AS b (chain, number, hash)\n"
	"  SELECT p_chain, u.n, u.h FROM unnest(p_numbers, p_hashes) AS u(n, h)\n"
	"  ON CONFLICT (chain, number) DO UPDATE SET hash = EXCLUDED.hash;\n"
	"  DELETE FROM watch_blocks b WHERE b.chain = p_chain AND b.number < p_numbers[v_n] - p_keep;\n"
	"  INSERT INTO watch_cursors AS c (chain, number, hash, updated_at)\n"
	"  VALUES (p_chain, p_numbers[v_n], p_hashes[v_n], now())\n"
	"  ON CONFLICT (chain) DO UPDATE SET number = EXCLUDED.number, hash = EXCLUDED.hash,\n"
	"    updated_at = EXCLUDED.updated_at;\n"
	"END $$;\n";
