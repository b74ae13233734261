-- libw3wallet SQLite schema, migration 5: withdrawal limits.
--
-- withdrawal_limits: what an admin set, per currency: the default (user_id '') and each
-- user's own values, which replace the default as a whole. -1 = no limit.
-- withdrawal_usage: one row per withdrawal that counts against the 24-hour limit (a
-- ledger withdrawal, or an on-chain withdrawal from its hold on), written in the same
-- transaction as the debit or the hold (sqlite_limits.c); an on-chain withdrawal that
-- fails or is dropped gives its row back (the trigger below).
CREATE TABLE withdrawal_limits (
  user_id TEXT NOT NULL,
  currency TEXT NOT NULL,
  per_withdrawal INTEGER NOT NULL CHECK (per_withdrawal >= -1 AND per_withdrawal <= 999999999999999999),
  daily INTEGER NOT NULL CHECK (daily >= -1 AND daily <= 999999999999999999),
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (currency, user_id)
) STRICT;

CREATE TABLE withdrawal_usage (
  source_id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  currency TEXT NOT NULL,
  amount INTEGER NOT NULL CHECK (amount > 0 AND amount <= 999999999999999999),
  created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX idx_withdrawal_usage_window ON withdrawal_usage(user_id, currency, created_at);

CREATE TRIGGER withdrawal_usage_release AFTER UPDATE OF status ON withdrawals
  WHEN NEW.status IN ('failed', 'dropped')
BEGIN
  DELETE FROM withdrawal_usage WHERE source_id = NEW.id;
END;

-- What the last 24 hours already withdrew counts from the first limit set after the upgrade.
INSERT INTO withdrawal_usage (source_id, user_id, currency, amount, created_at)
  SELECT id, user_id, currency, amount, created_at FROM withdrawals
   WHERE status NOT IN ('failed', 'dropped')
     AND created_at > CAST((julianday('now') - 2440587.5 - 1) * 86400000000 AS INTEGER);
INSERT INTO withdrawal_usage (source_id, user_id, currency, amount, created_at)
  SELECT t.id, t.from_user_id, t.currency, t.amount, t.created_at FROM transfers t
   WHERE t.kind = 'withdrawal'
     AND t.created_at > CAST((julianday('now') - 2440587.5 - 1) * 86400000000 AS INTEGER)
     AND NOT EXISTS (SELECT 1 FROM withdrawals w WHERE w.transfer_id = t.id);

-- This file is migration 5: the library applies it in one transaction and records it.
INSERT INTO schema_version (version, applied_at)
  VALUES (5, CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER));
