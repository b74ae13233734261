-- Schema version 3: events carry the facts only the storage knows, and the ledger refuses
-- an external side that its kind does not allow.
--
-- A claim event's payload gets the claimed order's owner (order_user_id) and the claim's
-- supply (supply_id); an order.cancelled payload gets the order's owner. Whoever reads the
-- outbox (the relay invalidating caches, a consumer in another region) can then name every
-- record the commit changed without a read of its own. Triggers, so no command can forget.
-- The external account is the nil UUID (W3W_EXTERNAL_USER_ID).

CREATE TRIGGER outbox_claim_facts AFTER INSERT ON outbox
  WHEN NEW.type IN ('order.claimed', 'claim.processed', 'claim.released')
  BEGIN
  UPDATE outbox SET payload = json_set(payload,
    '$.supply_id', (SELECT supply_id FROM claims WHERE id = json_extract(NEW.payload,
      '$.claim_id')),
    '$.order_user_id', (SELECT user_id FROM orders WHERE id = NEW.aggregate_id))
   WHERE seq = NEW.seq;
  END;

CREATE TRIGGER outbox_order_facts AFTER INSERT ON outbox
  WHEN NEW.type = 'order.cancelled'
  BEGIN
  UPDATE outbox SET payload = json_set(payload,
    '$.order_user_id', (SELECT user_id FROM orders WHERE id = NEW.aggregate_id))
   WHERE seq = NEW.seq;
  END;

-- Money enters only by deposit and leaves only by withdrawal, whatever the code above does.
CREATE TRIGGER transfers_external_side BEFORE INSERT ON transfers
  WHEN (NEW.from_user_id = '00000000-0000-0000-0000-000000000000') <> (NEW.kind = 'deposit')
   OR (NEW.to_user_id = '00000000-0000-0000-0000-000000000000') <> (NEW.kind = 'withdrawal')
  BEGIN
  SELECT RAISE(ABORT,
    'transfers: only a deposit comes from, and only a withdrawal goes to, the external account');
  END;

-- This file is migration 3: the library applies it in one transaction and records it.
INSERT INTO schema_version (version, applied_at)
  VALUES (3, CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER));
