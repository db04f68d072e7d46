"use client";

import * as React from "react";
import { PauseIcon, PlayIcon, Trash2Icon } from "lucide-react";
import { PageHeader } from "@/components/console/page-header";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { cn } from "@/components/ui/cn";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { DecisionBadge } from "./audit-screen";
import { FilterInput, FilterSelect } from "./filters";

/** The most rows kept in the browser; older rows fall off the bottom. */
export const FEED_BUFFER = 500;

interface FeedEvent {
  at: string;
  product: "mcp" | "pat";
  requestId: string;
  target: string;
  principal: { kind: string; id: string; label: string };
  decision: "allow" | "deny" | "error";
  reason?: string;
  latencyMs: number;
  inputTokens?: number;
  outputTokens?: number;
  costMicros?: number;
  patKeyLabel?: string;
  connectorSlug?: string;
}

const time = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
const money = (micros: number) => `$${(micros / 1_000_000).toFixed(micros < 10_000_000 ? 3 : 2)}`;

export function TrafficFeedScreen() {
  const [rows, setRows] = React.useState<FeedEvent[]>([]);
  const [paused, setPaused] = React.useState(false);
  const [held, setHeld] = React.useState(0);
  const [connected, setConnected] = React.useState<"connecting" | "live" | "reconnecting">("connecting");
  const [product, setProduct] = React.useState("");
  const [decision, setDecision] = React.useState("");
  const [text, setText] = React.useState("");
  const pausedRef = React.useRef(paused);
  const heldRef = React.useRef<FeedEvent[]>([]);
  pausedRef.current = paused;

  React.useEffect(() => {
    const sp = new URLSearchParams();
    if (product) sp.set("product", product);
    if (decision) sp.set("decision", decision);
    const es = new EventSource(`/api/v1/traffic/stream${sp.size ? `?${sp}` : ""}`, { withCredentials: true });
    es.onopen = () => setConnected("live");
    es.onerror = () => setConnected("reconnecting");
    es.addEventListener("traffic", (m) => {
      const e = JSON.parse((m as MessageEvent).data) as FeedEvent;
      if (pausedRef.current) {
        heldRef.current = [e, ...heldRef.current].slice(0, FEED_BUFFER);
        setHeld(heldRef.current.length);
      } else setRows((r) => [e, ...r].slice(0, FEED_BUFFER));
    });
    return () => es.close();
  }, [product, decision]);

  const resume = () => {
    setRows((r) => [...heldRef.current, ...r].slice(0, FEED_BUFFER));
    heldRef.current = [];
    setHeld(0);
    setPaused(false);
  };

  const needle = text.trim().toLowerCase();
  const visible = needle
    ? rows.filter((e) => `${e.target} ${e.principal.label} ${e.reason ?? ""} ${e.patKeyLabel ?? ""}`.toLowerCase().includes(needle))
    : rows;

  return (
    <div className="grid grid-cols-1 gap-6">
      <PageHeader
        title="Traffic Feed"
        description="Every MCP and PAT request as it happens: who, what, the decision and why."
        actions={
          <>
            <Badge variant={connected === "live" ? "success" : "muted"} aria-live="polite">
              <span className={cn("size-1.5 rounded-full", connected === "live" ? "animate-pulse bg-success" : "bg-muted-foreground")} />
              {connected === "live" ? (paused ? "Paused" : "Live") : connected === "connecting" ? "Connecting…" : "Reconnecting…"}
            </Badge>
            {paused ? (
              <Button variant="outline" onClick={resume}>
                <PlayIcon aria-hidden /> Resume{held ? ` (${held} new)` : ""}
              </Button>
            ) : (
              <Button variant="outline" onClick={() => setPaused(true)}>
                <PauseIcon aria-hidden /> Pause
              </Button>
            )}
            <Button variant="ghost" onClick={() => setRows([])} aria-label="Clear the feed">
              <Trash2Icon aria-hidden />
            </Button>
          </>
        }
      />
      <Card className="gap-0 py-0">
        <div className="grid gap-3 border-b px-5 py-3 sm:grid-cols-3">
          <FilterSelect label="Product" value={product} onChange={setProduct} options={[{ value: "", label: "All" }, { value: "mcp", label: "MCP" }, { value: "pat", label: "PAT" }]} />
          <FilterSelect
            label="Decision"
            value={decision}
            onChange={setDecision}
            options={[{ value: "", label: "All" }, { value: "allow", label: "Allowed" }, { value: "deny", label: "Denied" }, { value: "error", label: "Errors" }]}
          />
          <FilterInput label="Search" value={text} onChange={setText} placeholder="tool, model, user, reason…" />
        </div>
        <Table aria-label="Live traffic">
          <TableHeader>
            <TableRow className="hover:bg-transparent">
              <TableHead>Time</TableHead>
              <TableHead>Product</TableHead>
              <TableHead>Tool / model</TableHead>
              <TableHead>User</TableHead>
              <TableHead>Decision</TableHead>
              <TableHead className="text-right">Latency · cost</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {visible.length === 0 ? (
              <TableRow className="hover:bg-transparent">
                <TableCell colSpan={6} className="py-10 text-center text-muted-foreground">
                  Waiting for traffic… requests appear here the moment Fortress decides them.
                </TableCell>
              </TableRow>
            ) : (
              visible.map((e) => (
                <TableRow key={e.requestId} data-decision={e.decision}>
                  <TableCell className="tabular-nums">{time.format(new Date(e.at))}</TableCell>
                  <TableCell><Badge variant="outline">{e.product.toUpperCase()}</Badge></TableCell>
                  <TableCell className="max-w-64 truncate font-mono text-[13px]">
                    {e.target}
                    {e.product === "pat" && (e.inputTokens || e.outputTokens) ? (
                      <span className="text-muted-foreground"> · {((e.inputTokens ?? 0) + (e.outputTokens ?? 0)).toLocaleString()} tokens</span>
                    ) : null}
                  </TableCell>
                  <TableCell className="max-w-56 truncate">{e.principal.label}</TableCell>
                  <TableCell className="whitespace-normal">
                    <div className="grid gap-0.5">
                      <DecisionBadge decision={e.decision} />
                      {e.reason ? <span className="text-xs text-muted-foreground">{e.reason}</span> : null}
                    </div>
                  </TableCell>
                  <TableCell className="text-right tabular-nums">
                    {e.costMicros !== undefined ? `${money(e.costMicros)} · ` : ""}
                    {e.latencyMs}ms
                  </TableCell>
                </TableRow>
              ))
            )}
          </TableBody>
        </Table>
        <div className="border-t px-5 py-2 text-xs text-muted-foreground">Showing the latest {FEED_BUFFER} requests at most. The audit trail keeps all of them.</div>
      </Card>
    </div>
  );
}
