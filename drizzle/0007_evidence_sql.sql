-- Retention purge: the only way audit rows may ever leave the database. The append-only trigger
-- (0001) is replaced by one that still refuses every UPDATE, TRUNCATE and ordinary DELETE, and lets a
-- DELETE through only when the transaction set `fortress.retention_purge = 'on'` (SET LOCAL) AND the
-- row is older than its organisation's retention (org setting, else the tier's default:
-- SOHO 90 days, BANK 365, ZERO_TRUST 2555). Platform rows (no org) are never purged.
CREATE OR REPLACE FUNCTION fortress_retention_cutoff(p_org uuid) RETURNS timestamptz AS $$
  SELECT now() - make_interval(days => COALESCE(
    (SELECT s.retention_days FROM org_evidence_settings s WHERE s.org_id = p_org),
    (SELECT CASE o.tier WHEN 'SOHO' THEN 90 WHEN 'BANK' THEN 365 ELSE 2555 END FROM organisations o WHERE o.id = p_org),
    36500))
$$ LANGUAGE sql STABLE;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION fortress_refuse_audit_mutation() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE'
     AND coalesce(current_setting('fortress.retention_purge', true), '') = 'on'
     AND OLD.org_id IS NOT NULL
     AND OLD.occurred_at < fortress_retention_cutoff(OLD.org_id) THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'audit rows are append-only: % on % refused', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
-- Checkpoints are evidence too: never edited; removed only with their organisation's purge.
CREATE OR REPLACE FUNCTION fortress_refuse_checkpoint_mutation() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'audit checkpoints are append-only: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE ON audit_checkpoints
  FOR EACH ROW EXECUTE FUNCTION fortress_refuse_checkpoint_mutation();
