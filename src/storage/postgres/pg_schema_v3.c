/*
 * Schema version 3: events carry the facts only the storage knows, and the
 * ledger refuses an external side that its kind does not allow (the same
 * as the SQLite backend's version 3, see sqlite_schema_v3.c for why).
 */
#include "storage/postgres/pg.h"

const char w3w__pg_schema_v3[] =
	"CREATE FUNCTION w3w_outbox_facts() RETURNS trigger LANGUAGE plpgsql AS $$\n"
	"DECLARE\n"
	"  v_owner uuid;\n"
	"  v_supply uuid;\n"
	"BEGIN\n"
	"  SELECT o.user_id INTO v_owner FROM orders o WHERE o.id = NEW.aggregate_id;\n"
	"  IF NEW.type = 'order.cancelled' THEN\n"
	"    NEW.payload := (NEW.payload::jsonb || jsonb_build_object('order_user_id', v_owner))::text;\n"
	"  ELSE\n"
	"    SELECT c.supply_id INTO v_supply FROM claims c WHERE c.id = (NEW.payload::jsonb ->> 'claim_id')::uuid;\n"
	"    NEW.payload := (NEW.payload::jsonb ||\n"
	"      jsonb_build_object('supply_id', v_supply, 'order_user_id', v_owner))::text;\n"
	"  END IF;\n"
	"  RETURN NEW;\n"
	"END $$;\n"
	"CREATE TRIGGER outbox_facts BEFORE INSERT ON outbox FOR EACH ROW\n"
	"  WHEN (NEW.type IN ('order.claimed', 'claim.processed', 'claim.released', 'order.cancelled'))\n"
	"  EXECUTE FUNCTION w3w_outbox_facts();\n"
	/* NOT VALID: checks every new row without failing the upgrade over an old one. */
	"ALTER TABLE transfers ADD CONSTRAINT transfers_external_side CHECK (\n"
	"  (from_user_id = '" W3W_EXTERNAL_USER_ID "') = (kind = 'deposit') AND\n"
	"  (to_user_id = '" W3W_EXTERNAL_USER_ID "') = (kind = 'withdrawal')) NOT VALID;\n";
