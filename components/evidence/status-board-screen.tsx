"use client";

import Link from "next/link";
import { useQuery } from "@tanstack/react-query";
import { Bar, BarChart, CartesianGrid, Cell, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { api, errorMessage } from "@/components/console/api";
import { useIdentity } from "@/components/console/identity";
import { PageHeader } from "@/components/console/page-header";
import { canReadOrg } from "@/components/console/types";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";

interface Board {
  generated_at: string;
  connectors: {
    total: number;
    by_status: Record<string, number>;
    items: { id: string; name: string; slug: string; type: string; status: string; tools: number; calls_today: number; denied_today: number }[];
  };
  pat_keys: {
    active: number;
    expiring: number;
    items: { id: string; label: string; status: string; models: string[]; cap_micros: number | null; spend_micros: number; expires_at: string | null; expiring: boolean }[];
  };
  users: { members: number; seats: number | null };
  spend: { month: string; mtd_micros: number; projected_micros: number; source: string };
  requests_today: { mcp: number; pat: number; denied: number };
}

const usd = (micros: number) => `$${(micros / 1_000_000).toLocaleString(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

function Tile({ title, value, detail, href }: { title: string; value: React.ReactNode; detail?: React.ReactNode; href?: string }) {
  const body = (
    <Card className="gap-1 px-5 py-4 transition-colors hover:bg-muted/30">
      <span className="text-sm text-muted-foreground">{title}</span>
      <span className="text-2xl font-semibold tabular-nums">{value}</span>
      {detail ? <span className="text-xs text-muted-foreground">{detail}</span> : null}
    </Card>
  );
  return href ? <Link href={href}>{body}</Link> : body;
}

export function StatusBoardScreen() {
  const identity = useIdentity();
  const allowed = canReadOrg(identity.role);
  const q = useQuery({ queryKey: ["status-board"], queryFn: () => api<Board>("/status-board"), refetchInterval: 30_000, enabled: allowed });

  if (!allowed) {
    return (
      <div className="grid gap-6">
        <PageHeader title={`Welcome to ${identity.org.name}`} description="Your console role shows your own API keys." />
        <div>
          <Button asChild>
            <Link href="/settings/api-keys">Your API keys</Link>
          </Button>
        </div>
      </div>
    );
  }
  if (q.isPending) {
    return (
      <div className="grid gap-6">
        <PageHeader title="Status Board" />
        <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">{[0, 1, 2, 3].map((i) => <Skeleton key={i} className="h-24" />)}</div>
      </div>
    );
  }
  if (q.isError) return <p role="alert" className="text-sm text-destructive">{errorMessage(q.error)}</p>;
  const b = q.data;
  const killed = b.connectors.by_status.KILLED ?? 0;
  const offline = b.connectors.by_status.OFFLINE ?? 0;
  const active = b.connectors.by_status.ACTIVE ?? 0;
  const keyChart = b.pat_keys.items.map((k) => ({
    label: k.label,
    spend: k.spend_micros / 1_000_000,
    cap: k.cap_micros ? k.cap_micros / 1_000_000 : null,
    pct: k.cap_micros ? Math.round((k.spend_micros / k.cap_micros) * 1000) / 10 : null,
  }));

  return (
    <div className="grid grid-cols-1 gap-6">
      <PageHeader title="Status Board" description={`${identity.org.name} at a glance: connectors, PAT keys, people and spend.`} />
      <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
        <Tile
          title="MCP Connectors"
          value={b.connectors.total}
          detail={b.connectors.total === 0 ? "None yet" : killed + offline === 0 ? "All active" : `${active} active · ${offline} offline · ${killed} killed`}
        />
        <Tile title="PAT Keys" value={`${b.pat_keys.active} active`} detail={b.pat_keys.expiring ? `${b.pat_keys.expiring} expiring within 7 days` : "None expiring"} />
        <Tile title="Users" value={b.users.seats ? `${b.users.members} of ${b.users.seats} seats` : b.users.members} detail={b.users.seats ? undefined : "members of this organisation"} href="/settings/users" />
        <Tile
          title="Month-to-Date Spend"
          value={usd(b.spend.mtd_micros)}
          detail={b.spend.source === "none" ? "No PAT usage this month" : `Projected: ${usd(b.spend.projected_micros)}`}
        />
      </div>
      <div className="grid gap-4 lg:grid-cols-2">
        <Card className="gap-3 px-5 py-4">
          <div className="flex items-center justify-between">
            <h2 className="font-medium">Connectors · calls today</h2>
            <Link href="/traffic" className="text-xs text-muted-foreground hover:underline">Traffic Feed →</Link>
          </div>
          {b.connectors.items.length === 0 ? (
            <p className="text-sm text-muted-foreground">No connectors configured.</p>
          ) : (
            <>
              <ul className="grid gap-1.5 text-sm">
                {b.connectors.items.map((c) => (
                  <li key={c.id} className="flex items-center gap-2">
                    <span className="font-medium">{c.name}</span>
                    <Badge variant={c.status === "ACTIVE" ? "success" : c.status === "KILLED" ? "destructive" : "muted"}>{c.status.toLowerCase()}</Badge>
                    <span className="ml-auto text-muted-foreground tabular-nums">
                      {c.tools} tools · {c.calls_today} calls today{c.denied_today ? ` · ${c.denied_today} denied` : ""}
                    </span>
                  </li>
                ))}
              </ul>
              <div className="h-48" aria-hidden>
                <ResponsiveContainer width="100%" height="100%">
                  <BarChart data={b.connectors.items}>
                    <CartesianGrid strokeDasharray="3 3" vertical={false} />
                    <XAxis dataKey="name" fontSize={12} />
                    <YAxis allowDecimals={false} fontSize={12} width={32} />
                    <Tooltip />
                    <Bar dataKey="calls_today" name="Calls today" fill="var(--color-primary)" radius={[4, 4, 0, 0]} />
                    <Bar dataKey="denied_today" name="Denied" fill="var(--color-destructive)" radius={[4, 4, 0, 0]} />
                  </BarChart>
                </ResponsiveContainer>
              </div>
            </>
          )}
        </Card>
        <Card className="gap-3 px-5 py-4">
          <h2 className="font-medium">PAT keys · spend against cap ({b.spend.month})</h2>
          {keyChart.length === 0 ? (
            <p className="text-sm text-muted-foreground">No PAT keys yet.</p>
          ) : (
            <>
              <ul className="grid gap-1.5 text-sm">
                {b.pat_keys.items.map((k, i) => (
                  <li key={k.id} className="flex flex-wrap items-center gap-2">
                    <span className="font-medium">{k.label}</span>
                    {k.expiring ? <Badge variant="destructive">Expiring</Badge> : null}
                    <span className="text-xs text-muted-foreground">
                      Models: {k.models.length ? k.models.join(", ") : "all"} · Cap: {k.cap_micros ? `${usd(k.cap_micros)}/mo` : "none"} · Spend: {usd(k.spend_micros)}
                    </span>
                    <span className="ml-auto tabular-nums">{keyChart[i].pct !== null ? `${keyChart[i].pct}%` : "—"}</span>
                  </li>
                ))}
              </ul>
              <div className="h-48" aria-hidden>
                <ResponsiveContainer width="100%" height="100%">
                  <BarChart data={keyChart} layout="vertical" margin={{ left: 24 }}>
                    <CartesianGrid strokeDasharray="3 3" horizontal={false} />
                    <XAxis type="number" domain={[0, 100]} unit="%" fontSize={12} />
                    <YAxis type="category" dataKey="label" fontSize={12} width={110} />
                    <Tooltip formatter={(v) => `${v}%`} />
                    <Bar dataKey="pct" name="Spend / cap" radius={[0, 4, 4, 0]}>
                      {keyChart.map((k) => (
                        <Cell key={k.label} fill={(k.pct ?? 0) >= 80 ? "var(--color-destructive)" : "var(--color-primary)"} />
                      ))}
                    </Bar>
                  </BarChart>
                </ResponsiveContainer>
              </div>
            </>
          )}
        </Card>
      </div>
      <p className="text-xs text-muted-foreground">
        Today: {b.requests_today.mcp} MCP and {b.requests_today.pat} PAT requests, {b.requests_today.denied} denied.{" "}
        <Link href="/audit" className="hover:underline">Audit →</Link>
      </p>
    </div>
  );
}
