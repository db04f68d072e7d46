"use client";

import * as React from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { LoaderCircleIcon } from "lucide-react";
import { api, ApiError } from "@/components/console/api";
import { FormError } from "@/components/console/data-states";
import { useMembers, useServiceAccounts } from "@/components/console/queries";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { Input, Textarea } from "@/components/ui/input";
import { Field, Label } from "@/components/ui/label";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { Switch } from "@/components/ui/switch";
import { useToast } from "@/components/ui/toast";
import { policyKeys, usePolicyResources, useRoles } from "./queries";
import { CONDITION_META } from "./condition-meta";
import type { Rule, RuleCondition } from "./types";

const DAYS = [
  { d: 1, label: "Mon" },
  { d: 2, label: "Tue" },
  { d: 3, label: "Wed" },
  { d: 4, label: "Thu" },
  { d: 5, label: "Fri" },
  { d: 6, label: "Sat" },
  { d: 0, label: "Sun" },
];
const WINDOWS = [
  { s: 60, label: "minute" },
  { s: 3600, label: "hour" },
  { s: 86400, label: "day" },
];
const ZONES = ["UTC", "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles", "Europe/London", "Europe/Paris", "Europe/Berlin", "Asia/Tokyo", "Asia/Singapore", "Australia/Sydney"];

/** The body the API takes for PUT/POST, from a rule as listed. */
export function ruleBody(rule: Rule) {
  return { name: rule.name, enabled: rule.enabled, scope: rule.scope, target: rule.target, condition: rule.condition };
}

const localZone = () => {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    return "UTC";
  }
};

/** Turns the API's "field.path: message; other.path: message" into per-field messages. */
function fieldErrors(err: unknown): { fields: Record<string, string>; rest: string | null } {
  if (!(err instanceof ApiError) || err.status !== 400) return { fields: {}, rest: null };
  const fields: Record<string, string> = {};
  const rest: string[] = [];
  for (const part of err.message.split("; ")) {
    const m = /^([\w.]+): (.*)$/.exec(part);
    if (m) fields[m[1]] = m[2];
    else rest.push(part);
  }
  return { fields, rest: rest.length ? rest.join("; ") : null };
}

export function RuleEditorDialog({ rule, onClose }: { rule: Rule | null; onClose: () => void }) {
  const qc = useQueryClient();
  const toast = useToast();
  const roles = useRoles();
  const resources = usePolicyResources();
  const members = useMembers();
  const accounts = useServiceAccounts();

  const [name, setName] = React.useState(rule?.name ?? "");
  const [enabled, setEnabled] = React.useState(rule?.enabled ?? true);
  const [type, setType] = React.useState<RuleCondition["type"]>(rule?.condition.type ?? "time_window");
  const c = rule?.condition;
  const [days, setDays] = React.useState<number[]>(c?.type === "time_window" ? c.days : [1, 2, 3, 4, 5]);
  const [start, setStart] = React.useState(c?.type === "time_window" ? c.start : "09:00");
  const [end, setEnd] = React.useState(c?.type === "time_window" ? c.end : "17:00");
  const [timeZone, setTimeZone] = React.useState(c?.type === "time_window" ? c.timeZone : localZone());
  const [limit, setLimit] = React.useState(c?.type === "rate_limit" ? String(c.limit) : "10");
  const [windowSeconds, setWindowSeconds] = React.useState(c?.type === "rate_limit" ? c.windowSeconds : 3600);
  const [per, setPer] = React.useState<"user" | "role" | "org">(c?.type === "rate_limit" ? c.per : "user");
  const [cidrs, setCidrs] = React.useState(c?.type === "ip_allowlist" ? c.cidrs.join("\n") : "");
  const [expression, setExpression] = React.useState(c?.type === "attribute" ? c.expression : "");
  const [scope, setScope] = React.useState(
    rule?.scope.role_id ? `role:${rule.scope.role_id}` : rule?.scope.subject ? `${rule.scope.subject.kind}:${rule.scope.subject.id}` : "org",
  );
  const [target, setTarget] = React.useState(
    rule?.target.pat_key_id ? `pat:${rule.target.pat_key_id}` : rule?.target.connector_id ? `connector:${rule.target.connector_id}` : "all",
  );
  const [action, setAction] = React.useState(rule?.target.action ?? "");

  const condition = (): RuleCondition => {
    switch (type) {
      case "time_window":
        return { type, days, start, end, timeZone: timeZone.trim() };
      case "rate_limit":
        return { type, limit: Number(limit), windowSeconds, per };
      case "ip_allowlist":
        return { type, cidrs: cidrs.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean) };
      case "attribute":
        return { type, expression };
    }
  };
  const body = () => {
    const [sk, sid] = scope.split(":");
    const [tk, tid] = target.split(":");
    return {
      name: name.trim(),
      enabled,
      scope: sk === "role" ? { role_id: sid } : sk === "user" || sk === "service_account" ? { subject: { kind: sk, id: sid } } : {},
      target: tk === "pat" ? { pat_key_id: tid } : tk === "connector" ? { connector_id: tid, ...(action ? { action } : {}) } : {},
      condition: condition(),
    };
  };

  const save = useMutation({
    mutationFn: () => (rule ? api<Rule>(`/rules/${rule.id}`, { method: "PUT", body: body() }) : api<Rule>("/rules", { method: "POST", body: body() })),
    onSuccess: (r) => {
      void qc.invalidateQueries({ queryKey: policyKeys.rules });
      toast({ title: rule ? "Rule saved" : "Rule added", description: `${r.name}: ${r.summary}` });
      onClose();
    },
  });
  const errs = fieldErrors(save.error);
  const err = (path: string) => Object.entries(errs.fields).find(([k]) => k === path || k.startsWith(`${path}.`))?.[1];
  const unmatched =
    save.error && (!(save.error instanceof ApiError) || save.error.status !== 400 || errs.rest)
      ? save.error instanceof ApiError && save.error.status === 400
        ? new Error(errs.rest ?? "")
        : save.error
      : null;
  const connector = target.startsWith("connector:") ? resources.data?.connectors.find((x) => x.id === target.slice(10)) : undefined;

  return (
    <Dialog open onOpenChange={(o) => !o && onClose()}>
      <DialogContent className="max-h-[90vh] overflow-y-auto sm:max-w-2xl">
        <form
          className="grid gap-4"
          onSubmit={(e) => {
            e.preventDefault();
            save.mutate();
          }}
        >
          <DialogHeader>
            <DialogTitle>{rule ? `Edit rule ${rule.name}` : "Add conditional rule"}</DialogTitle>
            <DialogDescription>{CONDITION_META[type].help}</DialogDescription>
          </DialogHeader>

          <div className="grid gap-4 sm:grid-cols-[1fr_auto]">
            <Field label="Name" htmlFor="rule-name" error={err("name")}>
              <Input id="rule-name" value={name} onChange={(e) => setName(e.target.value)} maxLength={100} required placeholder="Business hours only" />
            </Field>
            <div className="grid gap-1.5">
              <Label htmlFor="rule-enabled">Enabled</Label>
              <Switch id="rule-enabled" checked={enabled} onCheckedChange={setEnabled} className="mt-2" />
            </div>
          </div>

          <Field label="Kind of rule" htmlFor="rule-type">
            <Select value={type} onValueChange={(v) => setType(v as RuleCondition["type"])} disabled={Boolean(rule)}>
              <SelectTrigger id="rule-type">
                <SelectValue />
              </SelectTrigger>
              <SelectContent>
                {(Object.keys(CONDITION_META) as RuleCondition["type"][]).map((t) => (
                  <SelectItem key={t} value={t} description={CONDITION_META[t].help}>
                    {CONDITION_META[t].label}
                  </SelectItem>
                ))}
              </SelectContent>
            </Select>
          </Field>

          {type === "time_window" ? (
            <div className="grid gap-4 rounded-md border p-4">
              <fieldset className="grid gap-2">
                <legend className="mb-1 text-sm font-medium">Days</legend>
                <div className="flex flex-wrap gap-2">
                  {DAYS.map(({ d, label }) => (
                    <label key={d} className="flex items-center gap-1.5 rounded-md border px-2 py-1 text-sm">
                      <input
                        type="checkbox"
                        checked={days.includes(d)}
                        onChange={(e) => setDays((prev) => (e.target.checked ? [...prev, d] : prev.filter((x) => x !== d)))}
                      />
                      {label}
                    </label>
                  ))}
                </div>
                {err("condition.days") ? <p className="text-xs text-destructive">{err("condition.days")}</p> : null}
              </fieldset>
              <div className="grid gap-4 sm:grid-cols-3">
                <Field label="From" htmlFor="rule-start" error={err("condition.start")}>
                  <Input id="rule-start" type="time" value={start} onChange={(e) => setStart(e.target.value)} required />
                </Field>
                <Field label="Until" htmlFor="rule-end" error={err("condition.end")} hint="24:00 = end of day">
                  <Input id="rule-end" value={end} onChange={(e) => setEnd(e.target.value)} required pattern="\d{2}:\d{2}" placeholder="17:00" />
                </Field>
                <Field label="Time zone" htmlFor="rule-zone" error={err("condition.timeZone")} hint="IANA name; DST handled">
                  <Input id="rule-zone" list="rule-zones" value={timeZone} onChange={(e) => setTimeZone(e.target.value)} required />
                </Field>
                <datalist id="rule-zones">
                  {ZONES.map((z) => (
                    <option key={z} value={z} />
                  ))}
                </datalist>
              </div>
            </div>
          ) : null}

          {type === "rate_limit" ? (
            <div className="grid gap-4 rounded-md border p-4 sm:grid-cols-3">
              <Field label="At most (calls)" htmlFor="rule-limit" error={err("condition.limit")}>
                <Input id="rule-limit" type="number" min={1} value={limit} onChange={(e) => setLimit(e.target.value)} required />
              </Field>
              <Field label="Per" htmlFor="rule-window" error={err("condition.windowSeconds")}>
                <Select value={String(windowSeconds)} onValueChange={(v) => setWindowSeconds(Number(v))}>
                  <SelectTrigger id="rule-window">
                    <SelectValue />
                  </SelectTrigger>
                  <SelectContent>
                    {WINDOWS.map((w) => (
                      <SelectItem key={w.s} value={String(w.s)}>
                        {w.label}
                      </SelectItem>
                    ))}
                  </SelectContent>
                </Select>
              </Field>
              <Field label="Counted" htmlFor="rule-per">
                <Select value={per} onValueChange={(v) => setPer(v as typeof per)}>
                  <SelectTrigger id="rule-per">
                    <SelectValue />
                  </SelectTrigger>
                  <SelectContent>
                    <SelectItem value="user">per person</SelectItem>
                    <SelectItem value="role">per role</SelectItem>
                    <SelectItem value="org">for the whole organisation</SelectItem>
                  </SelectContent>
                </Select>
              </Field>
            </div>
          ) : null}

          {type === "ip_allowlist" ? (
            <Field label="Allowed networks" htmlFor="rule-cidrs" error={err("condition.cidrs")} hint="One per line: 192.168.1.0/24, 10.0.0.0/8, 2001:db8::/32">
              <Textarea id="rule-cidrs" rows={4} value={cidrs} onChange={(e) => setCidrs(e.target.value)} className="font-mono" required />
            </Field>
          ) : null}

          {type === "attribute" ? (
            <Field
              label="Expression"
              htmlFor="rule-expression"
              error={err("condition.expression")}
              hint={'Operators: == != in && || ! ( ). Example: department == "Engineering" && location in ["Paris", "Lyon"]'}
            >
              <Input id="rule-expression" value={expression} onChange={(e) => setExpression(e.target.value)} className="font-mono" required />
            </Field>
          ) : null}

          <div className="grid gap-4 sm:grid-cols-2">
            <Field label="Applies to" htmlFor="rule-scope" error={err("scope")}>
              <Select value={scope} onValueChange={setScope}>
                <SelectTrigger id="rule-scope">
                  <SelectValue />
                </SelectTrigger>
                <SelectContent>
                  <SelectItem value="org">Everyone</SelectItem>
                  {roles.data?.map((r) => (
                    <SelectItem key={r.id} value={`role:${r.id}`} description="Holders of this role">
                      Role: {r.name}
                    </SelectItem>
                  ))}
                  {members.items.map((m) => (
                    <SelectItem key={m.id} value={`user:${m.id}`}>
                      {m.email}
                    </SelectItem>
                  ))}
                  {accounts.items.map((s) => (
                    <SelectItem key={s.id} value={`service_account:${s.id}`} description="Service account">
                      {s.name}
                    </SelectItem>
                  ))}
                </SelectContent>
              </Select>
            </Field>
            <Field label="For" htmlFor="rule-target" error={err("target")}>
              <Select
                value={target}
                onValueChange={(v) => {
                  setTarget(v);
                  setAction("");
                }}
              >
                <SelectTrigger id="rule-target">
                  <SelectValue />
                </SelectTrigger>
                <SelectContent>
                  <SelectItem value="all">Every connector and PAT key</SelectItem>
                  {resources.data?.connectors.map((x) => (
                    <SelectItem key={x.id} value={`connector:${x.id}`}>
                      Connector: {x.name}
                    </SelectItem>
                  ))}
                  {resources.data?.pat_keys.map((k) => (
                    <SelectItem key={k.id} value={`pat:${k.id}`}>
                      PAT key: {k.label}
                    </SelectItem>
                  ))}
                </SelectContent>
              </Select>
            </Field>
          </div>
          {connector ? (
            <Field label="Action" htmlFor="rule-action" error={err("target.action")}>
              <Select value={action || "*"} onValueChange={(v) => setAction(v === "*" ? "" : v)}>
                <SelectTrigger id="rule-action">
                  <SelectValue />
                </SelectTrigger>
                <SelectContent>
                  <SelectItem value="*">Every action of {connector.name}</SelectItem>
                  {connector.actions.map((a) => (
                    <SelectItem key={a.name} value={a.name} description={a.description}>
                      {a.name}
                    </SelectItem>
                  ))}
                </SelectContent>
              </Select>
            </Field>
          ) : null}

          <FormError error={unmatched} />
          <DialogFooter>
            <Button type="button" variant="ghost" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" disabled={save.isPending || !name.trim()}>
              {save.isPending ? <LoaderCircleIcon className="animate-spin" aria-hidden /> : null}
              {rule ? "Save rule" : "Add rule"}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
