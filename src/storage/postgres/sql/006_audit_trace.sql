-- Schema version 6: audit records keep the trace they were written in (the same as the
-- SQLite backend's version 6, see sqlite/sql/006_audit_trace.sql).
--
-- trace_id is the W3C trace id (32 lowercase hex) of the command's trace, NULL when it ran in
-- none, as every record written before this version did. A command's record takes the trace of
-- its event: the "traceparent" core stamps into the event payload of a traced command. The
-- command functions keep their parameters: only w3w_record(), which every one of them calls,
-- reads it. A refusal's record is appended with its trace id (PG_AUDIT_APPEND).
ALTER TABLE audit_log ADD COLUMN trace_id text;

-- The trace id of a payload's "traceparent" (core writes "traceparent":"00-<trace>-<span>-<flags>"),
-- NULL when there is none. A pattern, not a JSON parse: a payload is stored as text, and a quote
-- inside a JSON string is escaped, so no user-given text can look like the key.
CREATE FUNCTION w3w_payload_trace(p_payload text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT substring(p_payload from '"traceparent"\s*:\s*"[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}"')
$$;

CREATE OR REPLACE FUNCTION w3w_record(e_id uuid, e_type text, e_topic text, e_aggregate uuid, e_actor uuid,
  e_region text, e_at bigint, e_payload text, a_id uuid, a_actor uuid, a_action text,
  a_target uuid, a_outcome text, a_at bigint) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE v_seq bigint;
BEGIN
  INSERT INTO audit_log (id, actor_id, action, target_id, outcome, created_at, trace_id)
  VALUES (a_id, a_actor, a_action, a_target, a_outcome, w3w_ts(a_at), w3w_payload_trace(e_payload));
  INSERT INTO outbox (id, type, topic, aggregate_id, actor_id, region, created_at, payload)
  VALUES (e_id, e_type, e_topic, e_aggregate, e_actor, e_region, w3w_ts(e_at), coalesce(e_payload,
    '{}'))
  RETURNING seq INTO v_seq;
  RETURN v_seq;
END $$;

-- Sealing hashes the trace id too (when set): the pending rows carry it, after the head's hash.
DROP FUNCTION w3w_audit_pending(integer);
CREATE FUNCTION w3w_audit_pending(p_max integer)
RETURNS TABLE (seq bigint, chain_pos bigint, id uuid, actor_id uuid, action text,
  target_id uuid, outcome text, created_at bigint, hash text, trace_id text)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
BEGIN
  PERFORM pg_advisory_xact_lock(87332, hashtext(current_schema()));
  RETURN QUERY SELECT NULL::bigint, a.chain_pos, a.id, a.actor_id, a.action::text, a.target_id,
    a.outcome::text, w3w_us(a.created_at), encode(a.hash, 'hex'), a.trace_id
    FROM audit_log a WHERE a.chain_pos IS NOT NULL ORDER BY a.chain_pos DESC LIMIT 1;
  RETURN QUERY SELECT a.seq, NULL::bigint, a.id, a.actor_id, a.action::text, a.target_id,
    a.outcome::text, w3w_us(a.created_at), NULL::text, a.trace_id
    FROM audit_log a WHERE a.chain_pos IS NULL ORDER BY a.seq LIMIT p_max;
END $$;

-- This file is migration 6: the library applies it in one transaction and records it.
INSERT INTO schema_version (version) VALUES (6);
