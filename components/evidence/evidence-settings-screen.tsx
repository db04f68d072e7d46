"use client";

import * as React from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { api, errorMessage } from "@/components/console/api";
import { FormError } from "@/components/console/data-states";
import { useIdentity } from "@/components/console/identity";
import { PageHeader } from "@/components/console/page-header";
import { canManageOrg } from "@/components/console/types";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Input } from "@/components/ui/input";
import { Field } from "@/components/ui/label";
import { useToast } from "@/components/ui/toast";

interface Settings {
  retention_days: number;
  retention_is_default: boolean;
  retention_limits: { default: number; min: number; max: number };
  guarded_changes: string[];
  guardable_changes: { kind: string; label: string }[];
}

/** Settings → Audit & approvals: retention within the tier's limits, four-eyes change kinds. */
export function EvidenceSettingsScreen() {
  const { role } = useIdentity();
  const manage = canManageOrg(role);
  const qc = useQueryClient();
  const toast = useToast();
  const q = useQuery({ queryKey: ["evidence-settings"], queryFn: () => api<Settings>("/evidence-settings") });
  const [retention, setRetention] = React.useState("");
  const [guarded, setGuarded] = React.useState<string[]>([]);
  const [error, setError] = React.useState<unknown>(null);
  React.useEffect(() => {
    if (!q.data) return;
    setRetention(String(q.data.retention_days));
    setGuarded(q.data.guarded_changes);
  }, [q.data]);
  if (q.isPending) return <p className="text-sm text-muted-foreground">Loading…</p>;
  if (q.isError) return <p className="text-sm text-destructive">{errorMessage(q.error)}</p>;
  const l = q.data.retention_limits;

  const save = async () => {
    setError(null);
    try {
      const res = await fetch("/api/v1/evidence-settings", {
        method: "PUT",
        credentials: "same-origin",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ retention_days: Number(retention), guarded_changes: guarded }),
      });
      const body = await res.json();
      if (!res.ok) throw new Error(body?.error?.message ?? `HTTP ${res.status}`);
      toast({ title: res.status === 202 ? "Waiting for a second admin's approval" : "Saved" });
      await qc.invalidateQueries();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <div className="grid grid-cols-1 gap-6">
      <PageHeader level={2} title="Audit & approvals" description="How long the audit trail is kept, and which changes need a second admin's sign-off." />
      <Card className="grid gap-5 px-5 py-5">
        <Field
          label="Audit retention (days)"
          htmlFor="retention"
          hint={`Your tier allows ${l.min}–${l.max} days (default ${l.default}). Older audit events are purged; a signed anchor keeps what remains verifiable.`}
        >
          <Input id="retention" type="number" min={l.min} max={l.max} value={retention} disabled={!manage} onChange={(e) => setRetention(e.target.value)} className="max-w-40" />
        </Field>
        <fieldset className="grid gap-1.5">
          <legend className="mb-1 text-sm font-medium">Require a second admin's approval for</legend>
          {q.data.guardable_changes.map((k) => (
            <label key={k.kind} className="flex items-start gap-2 text-sm">
              <input
                type="checkbox"
                className="mt-1"
                disabled={!manage}
                checked={guarded.includes(k.kind)}
                onChange={(e) => setGuarded((cur) => (e.target.checked ? [...cur, k.kind] : cur.filter((x) => x !== k.kind)))}
              />
              <span>
                {k.label} <code className="text-xs text-muted-foreground">{k.kind}</code>
              </span>
            </label>
          ))}
        </fieldset>
        <FormError error={error} />
        {manage ? (
          <div>
            <Button onClick={() => void save()}>Save</Button>
          </div>
        ) : null}
      </Card>
    </div>
  );
}
