-- dialect: postgres
-- audit.Record on PostgreSQL as a function (issue 14): the statement that
-- claims a chain, moves its head and stores the event (recordSQL in
-- internal/audit/audit.go, whose comment says how) is the same, but
-- planned once per connection. halfsky's connections plan every statement
-- for its own parameters (plan_cache_mode = force_custom_plan, right for
-- the counts of a subtree), and planning this one every time cost half of
-- an audited change's time: 2,469 audited changes/s with 32 writers, 3,570
-- with one plan. The function sets its own plan_cache_mode while it runs.
-- 32 is audit.Stripes, 72002 audit's stripeLock. (OR REPLACE: the upgrade
-- tests run the migrations after 0023 again.)
CREATE OR REPLACE FUNCTION audit_record(p_prefix text, p_at bigint, p_user_id bigint, p_username text, p_org_id bigint, p_org_code text,
    p_action text, p_object_type text, p_object_id text, p_ip text, p_outcome text, p_detail text)
RETURNS integer LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    n integer;
BEGIN
    WITH v AS (SELECT nextval('audit_events_seq') AS g),
    h AS (UPDATE audit_head SET seq = audit_head.seq + 1, prev_hash = audit_head.hash,
        hash = encode(sha256(convert_to(p_prefix
            || length(v.g::text) || ':' || v.g::text || ','
            || length(audit_head.id::text) || ':' || audit_head.id::text || ','
            || length((audit_head.seq + 1)::text) || ':' || (audit_head.seq + 1)::text || ','
            || length(audit_head.hash) || ':' || audit_head.hash || ',', 'UTF8')), 'hex')
        FROM v WHERE audit_head.id = (SELECT s.k FROM (SELECT k FROM generate_series(1, 32) AS k ORDER BY random() OFFSET 0) s
            WHERE pg_try_advisory_xact_lock(72002, s.k) LIMIT 1)
        RETURNING audit_head.id, audit_head.seq, audit_head.prev_hash, audit_head.hash, v.g)
    INSERT INTO audit_events (seq, stripe, sseq, at, user_id, username, org_id, org_code, action, object_type, object_id, ip, outcome,
        detail, prev_hash, hash)
    SELECT h.g, h.id, h.seq, p_at, p_user_id, p_username, p_org_id, p_org_code, p_action, p_object_type, p_object_id, p_ip, p_outcome,
        p_detail, h.prev_hash, h.hash FROM h;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;
-- dialect: all
