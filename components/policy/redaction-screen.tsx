"use client";

import * as React from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { LoaderCircleIcon, PlusIcon, TrashIcon } from "lucide-react";
import { api } from "@/components/console/api";
import { FormError } from "@/components/console/data-states";
import { useIdentity } from "@/components/console/identity";
import { NoAccess } from "@/components/console/no-access";
import { canManageOrg, canReadOrg } from "@/components/console/types";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Input, Textarea } from "@/components/ui/input";
import { Skeleton } from "@/components/ui/skeleton";
import { Switch } from "@/components/ui/switch";
import { useToast } from "@/components/ui/toast";
import { policyKeys, useRedaction } from "./queries";
import { DETECTORS } from "./detectors";
import { RedactionOverrides } from "./redaction-overrides";
import type { RedactionSettings, RedactionView } from "./types";

const SAMPLE = `Ticket #4521 from Jane Doe <jane.doe@example.com>, phone +1-555-123-4567.
SSN on file: 123-45-6789. Card: 4111-1111-1111-1111 (order ref 1234-5678-9012-3456).
Patient MRN-12345678 asked for a callback.`;

export function RedactionScreen() {
  const { role } = useIdentity();
  if (!canReadOrg(role)) return <NoAccess what="Policy Radar" />;
  return <RedactionLoader />;
}

function RedactionLoader() {
  const q = useRedaction();
  if (q.isPending) return <Skeleton className="h-64 w-full" />;
  if (q.isError) return <FormError error={q.error} />;
  return <RedactionForm key={JSON.stringify(q.data.org)} view={q.data} />;
}

function RedactionForm({ view }: { view: RedactionView }) {
  const { role } = useIdentity();
  const manage = canManageOrg(role);
  const qc = useQueryClient();
  const toast = useToast();
  const [settings, setSettings] = React.useState<RedactionSettings>(view.org);
  const dirty = JSON.stringify(settings) !== JSON.stringify(view.org);

  const save = useMutation({
    mutationFn: () => api<RedactionView>("/redaction", { method: "PUT", body: settings }),
    onSuccess: (saved) => {
      qc.setQueryData(policyKeys.redaction, saved);
      toast({ title: "PII redaction saved", description: "Applies to the next MCP tool result" });
    },
  });

  const setCustom = (i: number, patch: Partial<RedactionSettings["custom"][number]>) =>
    setSettings((s) => ({ ...s, custom: s.custom.map((c, j) => (j === i ? { ...c, ...patch } : c)) }));

  return (
    <div className="grid grid-cols-1 gap-6 pb-20">
      <p className="max-w-3xl text-sm text-muted-foreground">
        MCP Fortress removes these patterns from tool results before Claude sees them, and logs what it removed in the audit trail.
        PAT Fortress is not affected (it archives full requests). Roles and connectors can override these switches below.
      </p>
      <div className="grid gap-6 lg:grid-cols-2">
        <Card>
          <CardHeader>
            <CardTitle>Organisation settings</CardTitle>
            <CardDescription>What is redacted for everyone, unless an override says otherwise.</CardDescription>
          </CardHeader>
          <CardContent className="grid gap-1">
            {DETECTORS.map((d) => (
              <div key={d.key} className="flex items-center justify-between gap-4 rounded-md px-2 py-2.5 hover:bg-accent/40">
                <div className="grid gap-0.5">
                  <span id={`det-${d.key}`} className="text-sm font-medium">
                    {d.label}
                  </span>
                  <span className="font-mono text-xs text-muted-foreground">{d.example}</span>
                </div>
                <Switch
                  aria-labelledby={`det-${d.key}`}
                  checked={settings[d.key]}
                  disabled={!manage}
                  onCheckedChange={(v) => setSettings((s) => ({ ...s, [d.key]: v }))}
                />
              </div>
            ))}
            <div className="mt-3 grid gap-3 border-t pt-4">
              <div className="flex items-center justify-between gap-2">
                <span className="flex items-center gap-2 text-sm font-medium">
                  Custom patterns <Badge variant="muted">Bank / Zero Trust</Badge>
                </span>
                {manage && view.custom_patterns_allowed ? (
                  <Button variant="outline" size="sm" onClick={() => setSettings((s) => ({ ...s, custom: [...s.custom, { name: "", pattern: "" }] }))}>
                    <PlusIcon aria-hidden />
                    Add pattern
                  </Button>
                ) : null}
              </div>
              {!view.custom_patterns_allowed ? (
                <p className="text-sm text-muted-foreground">
                  Regular expressions for domain-specific PII (e.g. <code>/MRN-\d{"{8}"}/</code>) are available on the Bank and Zero Trust tiers.
                </p>
              ) : settings.custom.length === 0 ? (
                <p className="text-sm text-muted-foreground">None. Patterns are checked when you save: ones that could hang the gateway are refused.</p>
              ) : (
                settings.custom.map((c, i) => (
                  <div key={i} className="grid grid-cols-[8rem_1fr_auto] items-center gap-2">
                    <Input aria-label={`Name of pattern ${i + 1}`} placeholder="MRN" value={c.name} onChange={(e) => setCustom(i, { name: e.target.value })} disabled={!manage} />
                    <Input
                      aria-label={`Regular expression of pattern ${i + 1}`}
                      placeholder="MRN-\d{8}"
                      className="font-mono"
                      value={c.pattern}
                      onChange={(e) => setCustom(i, { pattern: e.target.value })}
                      disabled={!manage}
                    />
                    {manage ? (
                      <Button
                        variant="ghost-destructive"
                        size="icon-sm"
                        aria-label={`Remove pattern ${c.name || i + 1}`}
                        onClick={() => setSettings((s) => ({ ...s, custom: s.custom.filter((_, j) => j !== i) }))}
                      >
                        <TrashIcon aria-hidden />
                      </Button>
                    ) : null}
                  </div>
                ))
              )}
            </div>
          </CardContent>
        </Card>
        <LivePreview settings={settings} />
      </div>

      <RedactionOverrides view={view} manage={manage} />

      {manage && (dirty || save.error) ? (
        <div className="fixed inset-x-0 bottom-0 z-40 border-t bg-background/95 px-4 py-3 shadow-lg backdrop-blur md:pl-64">
          <div className="mx-auto flex max-w-5xl flex-wrap items-center justify-between gap-3">
            <div className="min-w-0 flex-1">{save.error ? <FormError error={save.error} /> : <span className="text-sm">Unsaved PII redaction changes.</span>}</div>
            <div className="flex gap-2">
              <Button
                variant="ghost"
                onClick={() => {
                  setSettings(view.org);
                  save.reset();
                }}
              >
                Discard
              </Button>
              <Button onClick={() => save.mutate()} disabled={save.isPending}>
                {save.isPending ? <LoaderCircleIcon className="animate-spin" aria-hidden /> : null}
                Save
              </Button>
            </div>
          </div>
        </div>
      ) : null}
    </div>
  );
}

/** Redacts sample text with the settings on screen (saved or not), as the gateway would. */
function LivePreview({ settings }: { settings: RedactionSettings }) {
  const [text, setText] = React.useState(SAMPLE);
  const [debounced, setDebounced] = React.useState({ text, settings });
  React.useEffect(() => {
    const t = setTimeout(() => setDebounced({ text, settings }), 300);
    return () => clearTimeout(t);
  }, [text, settings]);
  // Half-typed custom patterns are left out of the preview until they are complete.
  const usable = { ...debounced.settings, custom: debounced.settings.custom.filter((c) => c.name.trim() && c.pattern) };
  const preview = useQuery({
    queryKey: ["policy", "redaction-preview", debounced.text, usable],
    queryFn: () => api<{ text: string; counts: Record<string, number> }>("/redaction/preview", { method: "POST", body: { text: debounced.text, settings: usable } }),
    placeholderData: (prev) => prev,
    retry: false,
  });
  const counts = Object.entries(preview.data?.counts ?? {}).filter(([, n]) => n > 0);
  return (
    <Card>
      <CardHeader>
        <CardTitle>Live preview</CardTitle>
        <CardDescription>Type or paste sample text; the result is what Claude would receive with the switches as they are now.</CardDescription>
      </CardHeader>
      <CardContent className="grid gap-3">
        <Textarea aria-label="Sample text" rows={5} value={text} onChange={(e) => setText(e.target.value)} maxLength={20_000} className="font-mono text-xs" />
        <div aria-live="polite" className="grid gap-2">
          <pre className="min-h-24 rounded-md border bg-muted/40 p-3 font-mono text-xs whitespace-pre-wrap">
            {preview.isError ? "" : (preview.data?.text ?? "…")}
          </pre>
          {preview.isError ? <FormError error={preview.error} /> : null}
          <div className="flex flex-wrap gap-1.5 text-xs">
            {counts.length === 0 ? (
              <span className="text-muted-foreground">Nothing redacted.</span>
            ) : (
              counts.map(([k, n]) => (
                <Badge key={k} variant="secondary">
                  {n} × {DETECTORS.find((d) => d.key === k)?.label.toLowerCase() ?? k}
                </Badge>
              ))
            )}
          </div>
        </div>
      </CardContent>
    </Card>
  );
}
