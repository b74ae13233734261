/*
 * Every statement the backend sends, prepared once per connection (all in
 * one round trip, pg_pool.c). Writes call the functions of
 * sql/001b_functions.sql; reads select from the views of sql/001a_schema.sql.
 */
#include "storage/postgres/pg.h"

/* The 19 parameters of w3w__pg_command_params(), then the command's own from $20. */
#define META_PH "$1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19"

#define SUPPLY_FROM "SELECT " W3W__PG_SUPPLY_COLS " FROM w3w_supply_v WHERE id > $1"
#define ORDER_FROM "SELECT " W3W__PG_ORDER_COLS " FROM w3w_order_v WHERE id > $1"
#define PAGE " ORDER BY id LIMIT $2"

const w3w__pg_stmt w3w__pg_stmts[PG_STMT_COUNT] = {
	[PG_PING] = { "w3w_ping", "SELECT pg_is_in_recovery() OR current_setting('transaction_read_only') = 'on'" },

	[PG_TRANSFER] = { "w3w_transfer",
		"SELECT * FROM w3w_transfer(" META_PH ",$20,$21,$22,$23,$24,$25,$26,$27)" },
	[PG_TRANSFER_GET] = { "w3w_transfer_get",
		"SELECT " W3W__PG_TRANSFER_COLS " FROM w3w_transfer_v WHERE id = $1" },

	[PG_SUPPLY_CREATE] = { "w3w_supply_create",
		"SELECT * FROM w3w_supply_create(" META_PH ",$20,$21,$22,$23,$24,$25,$26,$27)" },
	[PG_SUPPLY_UPDATE] = { "w3w_supply_update",
		"SELECT * FROM w3w_supply_update(" META_PH ",$20,$21,$22,$23,$24)" },
	[PG_SUPPLY_DELETE] = { "w3w_supply_delete",
		"SELECT * FROM w3w_supply_delete(" META_PH ",$20,$21)" },
	[PG_SUPPLY_GET] = { "w3w_supply_get",
		"SELECT " W3W__PG_SUPPLY_COLS " FROM w3w_supply_v WHERE id = $1" },
	[PG_SUPPLY_LIST_ALL] = { "w3w_supply_list_all", SUPPLY_FROM PAGE },
	[PG_SUPPLY_LIST_USER] = { "w3w_supply_list_user", SUPPLY_FROM " AND user_id = $3" PAGE },
	[PG_SUPPLY_LIST_STATUS] = { "w3w_supply_list_status", SUPPLY_FROM " AND status = $3" PAGE },
	[PG_SUPPLY_LIST_USER_STATUS] = { "w3w_supply_list_user_status",
		SUPPLY_FROM " AND user_id = $3 AND status = $4" PAGE },

	[PG_ORDER_CREATE] = { "w3w_order_create",
		"SELECT * FROM w3w_order_create(" META_PH ",$20,$21,$22,$23,$24,$25,$26,$27,$28,$29,$30)" },
	[PG_ORDER_CANCEL] = { "w3w_order_cancel",
		"SELECT * FROM w3w_order_cancel(" META_PH ",$20,$21,$22)" },
	[PG_ORDER_GET] = { "w3w_order_get",
		"SELECT " W3W__PG_ORDER_COLS ", " W3W__PG_ITEM_COLS
		" FROM w3w_order_item_v WHERE id = $1 ORDER BY position" },
	[PG_ORDER_LIST_ALL] = { "w3w_order_list_all", ORDER_FROM PAGE },
	[PG_ORDER_LIST_USER] = { "w3w_order_list_user", ORDER_FROM " AND user_id = $3" PAGE },
	[PG_ORDER_LIST_STATUS] = { "w3w_order_list_status", ORDER_FROM " AND status = $3" PAGE },
	[PG_ORDER_LIST_USER_STATUS] = { "w3w_order_list_user_status",
		ORDER_FROM " AND user_id = $3 AND status = $4" PAGE },

	[PG_CLAIM_CREATE] = { "w3w_claim_create",
		"SELECT * FROM w3w_claim_create(" META_PH ",$20,$21,$22,$23)" },
	[PG_CLAIM_PROCESS] = { "w3w_claim_process",
		"SELECT * FROM w3w_claim_process(" META_PH ",$20,$21,$22)" },
	[PG_CLAIM_RELEASE] = { "w3w_claim_release",
		"SELECT * FROM w3w_claim_release(" META_PH ",$20)" },
	[PG_CLAIM_GET] = { "w3w_claim_get",
		"SELECT " W3W__PG_CLAIM_COLS " FROM w3w_claim_v WHERE id = $1" },
	[PG_CLAIM_GET_LIVE] = { "w3w_claim_get_live",
		"SELECT " W3W__PG_CLAIM_COLS " FROM w3w_claim_v"
		" WHERE order_id = $1 AND status IN ('pending','processed')" },
	/* What w3w_claim_process returns, read again after a lost answer. */
	[PG_CLAIM_OUTCOME] = { "w3w_claim_outcome",
		"SELECT false, c.*, t.* FROM w3w_claim_v c LEFT JOIN w3w_transfer_v t"
		" ON t.kind = 'settlement' AND t.reference = c.id::text WHERE c.id = $1" },

	[PG_ACCOUNTS] = { "w3w_accounts",
		"SELECT user_id, currency::text, w3w_units(balance), w3w_units(held) FROM accounts"
		" WHERE user_id = $1 ORDER BY currency" },
	/* One statement, one snapshot: the totals are consistent with each other. */
	[PG_LEDGER_TOTALS] = { "w3w_ledger_totals",
		"SELECT"
		" (SELECT coalesce(w3w_units(sum(amount)), 0) FROM transfers WHERE currency = $1 AND kind = 'deposit'),"
		" (SELECT coalesce(w3w_units(sum(amount)), 0) FROM transfers WHERE currency = $1 AND kind = 'withdrawal'),"
		" (SELECT coalesce(w3w_units(sum(balance)), 0) FROM accounts WHERE currency = $1),"
		" (SELECT coalesce(w3w_units(sum(held)), 0) FROM accounts WHERE currency = $1),"
		" (SELECT coalesce(w3w_units(sum(amount)), 0) FROM orders"
		"   WHERE currency = $1 AND status IN ('open','claimed')),"
		" (SELECT coalesce(w3w_units(sum(reserved)), 0) FROM supplies WHERE currency = $1),"
		" (SELECT coalesce(w3w_units(sum(o.amount)), 0) FROM claims c JOIN orders o ON o.id = c.order_id"
		"   WHERE c.status = 'pending' AND o.currency = $1),"
		" (SELECT coalesce(sum(amount), 0) = 0 FROM ledger_entries WHERE currency = $1)" },

	[PG_OUTBOX_TAKE] = { "w3w_outbox_take", "SELECT * FROM w3w_outbox_take($1, $2)" },
	[PG_OUTBOX_ACK] = { "w3w_outbox_ack",
		"UPDATE outbox SET sent_at = now(), lease_until = NULL"
		" WHERE seq = ANY ($1::bigint[]) AND sent_at IS NULL" },
	[PG_OUTBOX_STATS] = { "w3w_outbox_stats",
		"SELECT (SELECT count(*) FROM outbox),"
		" (SELECT count(*) FROM outbox WHERE sent_at IS NULL),"
		" (SELECT coalesce(w3w_us(min(created_at)), 0) FROM outbox WHERE sent_at IS NULL),"
		" (SELECT coalesce(max(seq), 0) FROM outbox)" },
	[PG_OUTBOX_HAS_EVENT] = { "w3w_outbox_has_event",
		"SELECT seq FROM outbox WHERE id = $1" },
	[PG_OUTBOX_EVENTS_OF] = { "w3w_outbox_events_of",
		"SELECT seq, id, type, topic, aggregate_id, actor_id, region, w3w_us(created_at), payload"
		" FROM outbox WHERE aggregate_id = $1 AND seq > $2 ORDER BY seq LIMIT $3" },

	/* ON CONFLICT: a retry after a lost answer cannot append twice. */
	[PG_AUDIT_APPEND] = { "w3w_audit_append",
		"INSERT INTO audit_log (id, actor_id, action, target_id, outcome, created_at, trace_id)"
		" VALUES ($1, $2, $3, $4, $5, w3w_ts($6), $7) ON CONFLICT (id) DO NOTHING" },
	[PG_AUDIT_PENDING] = { "w3w_audit_pending", "SELECT * FROM w3w_audit_pending($1)" },
	[PG_AUDIT_LINK] = { "w3w_audit_link",
		"UPDATE audit_log a SET chain_pos = u.pos, prev_hash = decode(u.prev, 'hex'),"
		" hash = decode(u.h, 'hex')"
		" FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[]) AS u(seq, pos, prev, h)"
		" WHERE a.seq = u.seq AND a.chain_pos IS NULL" },
	[PG_AUDIT_READ] = { "w3w_audit_read",
		"SELECT chain_pos, id, actor_id, action, target_id, outcome, w3w_us(created_at),"
		" encode(prev_hash, 'hex'), encode(hash, 'hex'), trace_id"
		" FROM audit_log WHERE chain_pos > $1 ORDER BY chain_pos LIMIT $2" },
	[PG_AUDIT_UNSEALED] = { "w3w_audit_unsealed",
		"SELECT count(*) FROM audit_log WHERE chain_pos IS NULL" },

	[PG_PURGE_EXPIRED] = { "w3w_purge_expired",
		"DELETE FROM idempotency_keys WHERE expires_at <= w3w_ts($1)" },
	[PG_COMMIT_POSITION] = { "w3w_commit_position", "SELECT pg_current_wal_insert_lsn()::text" },
	/*
	 * A replica: what it replayed, and its own view of its lag (0 once it replayed all it received).
	 * A primary: now, 0. Core bounds the lag from positions as well (core/replica.c).
	 */
	[PG_REPLAY_POSITION] = { "w3w_replay_position",
		"SELECT CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn()::text"
		" ELSE pg_current_wal_insert_lsn()::text END,"
		" CASE WHEN NOT pg_is_in_recovery() OR pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0"
		" ELSE greatest(0, (extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp()) * 1000))::bigint"
		" END" },

	/* Batches (sql/005_batch.sql, 011): every parameter an array, one entry per element. */
	[PG_TRANSFER_BATCH] = { "w3w_transfer_batch",
		"SELECT * FROM w3w_transfer_batch(" META_PH ",$20,$21,$22,$23,$24,$25,$26,$27)" },
	[PG_ORDER_CREATE_BATCH] = { "w3w_order_create_batch",
		"SELECT * FROM w3w_order_create_batch(" META_PH ",$20,$21,$22,$23,$24,$25,$26,$27,$28,$29,$30,$31,$32)" },
	[PG_CLAIM_CREATE_BATCH] = { "w3w_claim_create_batch",
		"SELECT * FROM w3w_claim_create_batch(" META_PH ",$20,$21,$22,$23)" },
	[PG_CLAIM_PROCESS_BATCH] = { "w3w_claim_process_batch",
		"SELECT * FROM w3w_claim_process_batch(" META_PH ",$20,$21,$22)" },
};
