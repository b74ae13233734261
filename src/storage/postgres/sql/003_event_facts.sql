-- Schema version 3: events carry the facts only the storage knows, and the ledger refuses
-- an external side that its kind does not allow (the same as the SQLite backend's version
-- 3, see sqlite/sql/003_event_facts.sql for why). The external account is the nil UUID
-- (W3W_EXTERNAL_USER_ID).

CREATE FUNCTION w3w_outbox_facts() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  v_owner uuid;
  v_supply uuid;
BEGIN
  SELECT o.user_id INTO v_owner FROM orders o WHERE o.id = NEW.aggregate_id;
  IF NEW.type = 'order.cancelled' THEN
    NEW.payload := (NEW.payload::jsonb || jsonb_build_object('order_user_id', v_owner))::text;
  ELSE
    SELECT c.supply_id INTO v_supply FROM claims c WHERE c.id = (NEW.payload::jsonb ->> 'claim_id')::uuid;
    NEW.payload := (NEW.payload::jsonb ||
      jsonb_build_object('supply_id', v_supply, 'order_user_id', v_owner))::text;
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER outbox_facts BEFORE INSERT ON outbox FOR EACH ROW
  WHEN (NEW.type IN ('order.claimed', 'claim.processed', 'claim.released', 'order.cancelled'))
  EXECUTE FUNCTION w3w_outbox_facts();

-- NOT VALID: checks every new row without failing the upgrade over an old one.
ALTER TABLE transfers ADD CONSTRAINT transfers_external_side CHECK (
  (from_user_id = '00000000-0000-0000-0000-000000000000') = (kind = 'deposit') AND
  (to_user_id = '00000000-0000-0000-0000-000000000000') = (kind = 'withdrawal')) NOT VALID;

-- This file is migration 3: the library applies it in one transaction and records it.
INSERT INTO schema_version (version) VALUES (3);
