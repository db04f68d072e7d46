"use client";

import * as React from "react";
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { PageHeader } from "@/components/console/page-header";
import { Badge } from "@/components/ui/badge";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Input } from "@/components/ui/input";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { useOrgUsage } from "./queries";
import { usd, type KeyUsage } from "./types";

const thisMonth = () => new Date().toISOString().slice(0, 7);

function CapBar({ u }: { u: KeyUsage }) {
  if (u.monthly_cap_usd === null) return <p className="text-sm text-muted-foreground">No monthly cap.</p>;
  const pct = Math.min(100, u.cap_used_pct ?? 0);
  const over = pct >= u.alert_threshold_pct;
  return (
    <div className="grid gap-1.5">
      <div className="flex justify-between text-sm">
        <span>
          {usd(u.spend_usd)} of {usd(u.monthly_cap_usd)}
        </span>
        <span className={over ? "font-medium text-destructive" : "text-muted-foreground"}>{u.remaining_usd !== null ? `${usd(u.remaining_usd)} left` : null}</span>
      </div>
      <div className="h-2 overflow-hidden rounded-full bg-muted" role="meter" aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct} aria-label="Share of the monthly cap used">
        <div className={over ? "h-full bg-destructive" : "h-full bg-primary"} style={{ width: `${pct}%` }} />
      </div>
      <p className="text-xs text-muted-foreground">
        {pct.toFixed(1)}% used · alert at {u.alert_threshold_pct}% {u.reserved_usd > 0 ? `· ${usd(u.reserved_usd)} reserved by gateway instances (requests in flight and spend leases)` : null}
      </p>
    </div>
  );
}

function KeyCard({ u }: { u: KeyUsage }) {
  return (
    <Card>
      <CardHeader>
        <CardTitle className="flex items-center gap-2">
          {u.label} {u.status !== "ACTIVE" ? <Badge variant="muted">{u.status}</Badge> : null}
        </CardTitle>
        <CardDescription>
          {u.requests.total} requests ({u.requests.allowed} allowed, {u.requests.denied} denied, {u.requests.errors} errors) ·{" "}
          {u.tokens.input.toLocaleString()} input / {u.tokens.output.toLocaleString()} output tokens
        </CardDescription>
      </CardHeader>
      <CardContent className="grid gap-6">
        <CapBar u={u} />
        <div className="h-48">
          <ResponsiveContainer width="100%" height="100%">
            <BarChart data={u.daily} margin={{ left: 0, right: 8, top: 8, bottom: 0 }}>
              <CartesianGrid strokeDasharray="3 3" vertical={false} />
              <XAxis dataKey="day" tickFormatter={(d: string) => d.slice(8)} fontSize={12} />
              <YAxis fontSize={12} tickFormatter={(v: number) => `$${v}`} width={56} />
              <Tooltip formatter={(v) => [usd(Number(v)), "Spend"]} labelFormatter={(d) => String(d)} />
              <Bar dataKey="spend_usd" fill="var(--color-primary, #6366f1)" radius={[3, 3, 0, 0]} />
            </BarChart>
          </ResponsiveContainer>
        </div>
        <Table>
          <TableHeader>
            <TableRow>
              <TableHead>Model</TableHead>
              <TableHead className="text-right">Requests</TableHead>
              <TableHead className="text-right">Input tokens</TableHead>
              <TableHead className="text-right">Output tokens</TableHead>
              <TableHead className="text-right">Est. spend</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {u.by_model.length === 0 ? (
              <TableRow>
                <TableCell colSpan={5} className="text-muted-foreground">
                  No requests this month.
                </TableCell>
              </TableRow>
            ) : (
              u.by_model.map((m) => (
                <TableRow key={m.model}>
                  <TableCell className="font-mono text-xs">{m.model}</TableCell>
                  <TableCell className="text-right">{m.requests}</TableCell>
                  <TableCell className="text-right">{m.input_tokens.toLocaleString()}</TableCell>
                  <TableCell className="text-right">{m.output_tokens.toLocaleString()}</TableCell>
                  <TableCell className="text-right">{usd(m.spend_usd)}</TableCell>
                </TableRow>
              ))
            )}
          </TableBody>
        </Table>
      </CardContent>
    </Card>
  );
}

/** Settings → PAT Usage: per PAT key, requests (total, per model), spend per day, distance to cap. */
export function PatUsageScreen() {
  const [month, setMonth] = React.useState(thisMonth());
  const usage = useOrgUsage(month);
  return (
    <div className="grid grid-cols-1 gap-6">
      <PageHeader
        level={2}
        title="PAT Usage"
        description="Estimated from Anthropic's published rates, for budget planning only: your Claude bill is between your organisation and Anthropic."
        actions={<Input type="month" aria-label="Month" value={month} onChange={(e) => setMonth(e.target.value || thisMonth())} className="w-44" />}
      />
      {usage.isPending ? (
        <p className="text-sm text-muted-foreground">Loading…</p>
      ) : usage.isError ? (
        <p className="text-sm text-destructive">{(usage.error as Error).message}</p>
      ) : (
        <>
          <p className="text-sm">
            <span className="font-medium">{usage.data.totals.requests}</span> requests ·{" "}
            <span className="font-medium">{usd(usage.data.totals.spend_usd)}</span> estimated spend in {usage.data.month} (UTC) · price table{" "}
            {usage.data.price_table_version}
          </p>
          {usage.data.pat_keys.length === 0 ? <p className="text-sm text-muted-foreground">No PAT keys yet (Vault → PAT Keys).</p> : null}
          {usage.data.pat_keys.map((u) => (
            <KeyCard key={u.pat_key_id} u={u} />
          ))}
        </>
      )}
    </div>
  );
}
