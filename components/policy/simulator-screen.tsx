"use client";

import * as React from "react";
import { useMutation } from "@tanstack/react-query";
import { CircleCheckIcon, CircleMinusIcon, CircleXIcon, FlaskConicalIcon, LoaderCircleIcon } from "lucide-react";
import { api } from "@/components/console/api";
import { FormError } from "@/components/console/data-states";
import { useIdentity } from "@/components/console/identity";
import { NoAccess } from "@/components/console/no-access";
import { useMembers, useServiceAccounts } from "@/components/console/queries";
import { canReadOrg } from "@/components/console/types";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { cn } from "@/components/ui/cn";
import { Input } from "@/components/ui/input";
import { Field } from "@/components/ui/label";
import { Select, SelectContent, SelectGroup, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { usePolicyResources } from "./queries";
import { LAYER_LABELS, type Simulation, type TraceStep } from "./types";

export function SimulatorScreen() {
  const { role } = useIdentity();
  if (!canReadOrg(role)) return <NoAccess what="Policy Radar" />;
  return <Simulator />;
}

/** "2026-03-09T14:30" in the browser's zone, for <input type="datetime-local">. */
function localNow(): string {
  const d = new Date();
  d.setMinutes(d.getMinutes() - d.getTimezoneOffset());
  return d.toISOString().slice(0, 16);
}

function Simulator() {
  const members = useMembers();
  const accounts = useServiceAccounts();
  const resources = usePolicyResources();
  const [subject, setSubject] = React.useState("");
  const [tool, setTool] = React.useState("");
  const [ip, setIp] = React.useState("");
  const [at, setAt] = React.useState(localNow);

  const run = useMutation({
    mutationFn: () => {
      const [kind, id] = subject.split(":");
      return api<Simulation>("/policy/simulate", {
        method: "POST",
        body: {
          subject: { kind, id },
          tool,
          ip: ip.trim() || undefined,
          at: at ? new Date(at).toISOString() : undefined,
        },
      });
    },
  });

  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return (
    <div className="grid grid-cols-1 gap-6 lg:grid-cols-[minmax(0,24rem)_1fr]">
      <Card>
        <CardHeader>
          <CardTitle>Could this request go through?</CardTitle>
          <CardDescription>Runs the real policy over the saved configuration. Nothing is called and no rate-limit budget is used.</CardDescription>
        </CardHeader>
        <CardContent>
          <form
            className="grid gap-4"
            onSubmit={(e) => {
              e.preventDefault();
              run.mutate();
            }}
          >
            <Field label="Who" htmlFor="sim-subject">
              <Select value={subject} onValueChange={setSubject}>
                <SelectTrigger id="sim-subject">
                  <SelectValue placeholder="A person or service account" />
                </SelectTrigger>
                <SelectContent>
                  <SelectGroup>
                    {members.items.map((m) => (
                      <SelectItem key={m.id} value={`user:${m.id}`}>
                        {m.email}
                      </SelectItem>
                    ))}
                  </SelectGroup>
                  <SelectGroup>
                    {accounts.items.map((s) => (
                      <SelectItem key={s.id} value={`service_account:${s.id}`} description="Service account">
                        {s.name}
                      </SelectItem>
                    ))}
                  </SelectGroup>
                </SelectContent>
              </Select>
            </Field>
            <Field label="Tool or PAT key" htmlFor="sim-tool">
              <Select value={tool} onValueChange={setTool}>
                <SelectTrigger id="sim-tool">
                  <SelectValue placeholder="e.g. zendesk__delete_ticket" />
                </SelectTrigger>
                <SelectContent>
                  {resources.data?.connectors.map((c) => (
                    <SelectGroup key={c.id}>
                      {c.actions.map((a) => (
                        <SelectItem key={a.name} value={`${c.slug}__${a.name}`} description={a.destructive ? "Destructive" : undefined}>
                          {c.slug}__{a.name}
                        </SelectItem>
                      ))}
                    </SelectGroup>
                  ))}
                  <SelectGroup>
                    {resources.data?.pat_keys.map((k) => (
                      <SelectItem key={k.id} value={k.id} description="Claude PAT key">
                        {k.label}
                      </SelectItem>
                    ))}
                  </SelectGroup>
                </SelectContent>
              </Select>
            </Field>
            <Field label="From IP address (optional)" htmlFor="sim-ip" hint="Leave empty to test an unknown address.">
              <Input id="sim-ip" value={ip} onChange={(e) => setIp(e.target.value)} placeholder="10.1.2.3" className="font-mono" />
            </Field>
            <Field label="At" htmlFor="sim-at" hint={`Your time zone (${zone}); rules use their own.`}>
              <Input id="sim-at" type="datetime-local" value={at} onChange={(e) => setAt(e.target.value)} />
            </Field>
            <FormError error={run.error} />
            <Button type="submit" disabled={!subject || !tool || run.isPending}>
              {run.isPending ? <LoaderCircleIcon className="animate-spin" aria-hidden /> : <FlaskConicalIcon aria-hidden />}
              Simulate
            </Button>
          </form>
        </CardContent>
      </Card>
      <div aria-live="polite">{run.data ? <Result sim={run.data} /> : <EmptyResult />}</div>
    </div>
  );
}

function EmptyResult() {
  return (
    <Card className="h-full">
      <CardContent className="flex h-full min-h-48 items-center justify-center text-center text-sm text-muted-foreground">
        Pick who, which tool, from where and when. The answer shows each of the three layers and which one decided.
      </CardContent>
    </Card>
  );
}

const OUTCOME = {
  pass: { icon: CircleCheckIcon, className: "text-success", label: "Passed" },
  deny: { icon: CircleXIcon, className: "text-destructive", label: "Denied" },
  skip: { icon: CircleMinusIcon, className: "text-muted-foreground", label: "Not reached" },
} as const;

function Result({ sim }: { sim: Simulation }) {
  const allowed = sim.decision.effect === "allow";
  const byLayer = (["toggle", "role", "rule"] as TraceStep["layer"][]).map((layer) => ({ layer, steps: sim.trace.filter((t) => t.layer === layer) }));
  const tool = sim.resource.kind === "connector_action" ? sim.resource.tool : `PAT key ${sim.resource.label}`;
  return (
    <Card className={cn("border-2", allowed ? "border-success/40" : "border-destructive/40")}>
      <CardHeader>
        <CardTitle className={cn("flex items-center gap-2 text-lg", allowed ? "text-success" : "text-destructive")}>
          {allowed ? <CircleCheckIcon aria-hidden /> : <CircleXIcon aria-hidden />}
          {allowed ? "Allowed" : "Denied"}
        </CardTitle>
        <CardDescription className="text-base text-foreground">{sim.decision.reason}</CardDescription>
        <p className="text-xs text-muted-foreground">
          {sim.subject.label} → <code>{tool}</code> {sim.ip ? `from ${sim.ip}` : "from an unknown address"} at{" "}
          {new Date(sim.at).toLocaleString()} · roles: {sim.subject.roles.length ? sim.subject.roles.map((r) => r.name).join(", ") : "none"}
        </p>
      </CardHeader>
      <CardContent className="grid gap-3">
        <ol className="grid gap-3">
          {byLayer.map(({ layer, steps }) => (
            <li key={layer} className="rounded-md border p-3">
              <p className="mb-2 text-sm font-medium">{LAYER_LABELS[layer]}</p>
              <ul className="grid gap-1.5">
                {steps.length === 0 ? (
                  <li className="text-sm text-muted-foreground">Not reached</li>
                ) : (
                  steps.map((s, i) => {
                    const o = OUTCOME[s.outcome];
                    const Icon = o.icon;
                    return (
                      <li key={i} className="flex items-start gap-2 text-sm">
                        <Icon className={cn("mt-0.5 size-4 shrink-0", o.className)} aria-label={o.label} />
                        <span>{s.detail}</span>
                      </li>
                    );
                  })
                )}
              </ul>
            </li>
          ))}
        </ol>
        {sim.resource.kind === "connector_action" ? (
          <div className="flex flex-wrap items-center gap-1.5 text-xs text-muted-foreground">
            PII redacted from results:
            {(["email", "phone", "ssn", "creditCard"] as const).filter((k) => sim.redaction[k]).map((k) => (
              <Badge key={k} variant="secondary">
                {k === "creditCard" ? "credit cards" : k === "ssn" ? "SSNs" : `${k}s`}
              </Badge>
            ))}
            {sim.redaction.custom.map((c) => (
              <Badge key={c.name} variant="secondary">
                {c.name}
              </Badge>
            ))}
          </div>
        ) : null}
      </CardContent>
    </Card>
  );
}
