"use client";

import * as React from "react";
import { useInfiniteQuery } from "@tanstack/react-query";
import { api } from "@/components/console/api";
import { EmptyRow, ErrorRow, LoadingRows } from "@/components/console/data-states";
import { formatDateTime } from "@/components/console/format";
import { LoadMore } from "@/components/console/load-more";
import { PageHeader } from "@/components/console/page-header";
import type { Page } from "@/components/console/types";
import { Badge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { ChainStatusCard } from "./chain-status";
import { ExportMenu } from "./export-menu";
import { FilterInput, FilterSelect, localToIso, queryString, useDebounced } from "./filters";
import type { AuditEvent } from "./types";

const COLUMNS = 7;

export function DecisionBadge({ decision }: { decision: string }) {
  if (decision === "allow") return <Badge variant="success">✓ Allowed</Badge>;
  if (decision === "deny") return <Badge variant="destructive">✗ Denied</Badge>;
  if (decision === "error") return <Badge variant="destructive">Error</Badge>;
  return <Badge variant="muted">Info</Badge>;
}

export function AuditScreen() {
  const [product, setProduct] = React.useState("");
  const [decision, setDecision] = React.useState("");
  const [actor, setActor] = React.useState("");
  const [resource, setResource] = React.useState("");
  const [from, setFrom] = React.useState("");
  const [to, setTo] = React.useState("");
  const [q, setQ] = React.useState("");
  const [open, setOpen] = React.useState<string | null>(null);
  const filters = useDebounced({ product, decision, actor, resource, from: localToIso(from), to: localToIso(to), q });
  const list = useInfiniteQuery({
    queryKey: ["audit", filters],
    queryFn: ({ pageParam }) =>
      api<Page<AuditEvent>>(`/audit?limit=50${pageParam ? `&cursor=${encodeURIComponent(pageParam)}` : ""}${queryString(filters)}`),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor,
  });
  const items = list.data?.pages.flatMap((p) => p.data) ?? [];

  return (
    <div className="grid grid-cols-1 gap-6">
      <PageHeader
        title="Audit"
        description="Every decision Fortress took: gateway calls, logins, key use. Hash-chained, signed, exportable for auditors."
        actions={<ExportMenu path="/audit/export" from={filters.from} to={filters.to} />}
      />
      <ChainStatusCard />
      <Card className="gap-0 py-0">
        <div className="grid gap-3 border-b px-5 py-3 sm:grid-cols-3 lg:grid-cols-7">
          <FilterInput label="Search" value={q} onChange={setQ} placeholder="action, reason, tool…" className="lg:col-span-2" />
          <FilterSelect
            label="Product"
            value={product}
            onChange={setProduct}
            options={[{ value: "", label: "All" }, { value: "mcp", label: "MCP" }, { value: "pat", label: "PAT" }, { value: "admin_api", label: "Admin API" }, { value: "console", label: "Console" }]}
          />
          <FilterSelect
            label="Decision"
            value={decision}
            onChange={setDecision}
            options={[{ value: "", label: "All" }, { value: "allow", label: "Allowed" }, { value: "deny", label: "Denied" }, { value: "info", label: "Info" }]}
          />
          <FilterInput label="User" value={actor} onChange={setActor} placeholder="email or id" />
          <FilterInput label="Connector / key" value={resource} onChange={setResource} placeholder="resource id" />
          <div className="grid grid-cols-2 gap-2 sm:col-span-3 lg:col-span-7 lg:max-w-xl">
            <FilterInput label="From" type="datetime-local" value={from} onChange={setFrom} />
            <FilterInput label="To" type="datetime-local" value={to} onChange={setTo} />
          </div>
        </div>
        <Table aria-label="Audit events">
          <TableHeader>
            <TableRow className="hover:bg-transparent">
              <TableHead>#</TableHead>
              <TableHead>Time</TableHead>
              <TableHead>Product</TableHead>
              <TableHead>Actor</TableHead>
              <TableHead>Action</TableHead>
              <TableHead className="hidden md:table-cell">Resource</TableHead>
              <TableHead>Decision</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {list.isPending ? (
              <LoadingRows columns={COLUMNS} />
            ) : list.isError ? (
              <ErrorRow columns={COLUMNS} error={list.error} onRetry={() => void list.refetch()} />
            ) : items.length === 0 ? (
              <EmptyRow columns={COLUMNS}>No audit events match.</EmptyRow>
            ) : (
              items.map((e) => (
                <React.Fragment key={e.id}>
                  <TableRow className="cursor-pointer" onClick={() => setOpen(open === e.id ? null : e.id)} aria-expanded={open === e.id}>
                    <TableCell className="text-muted-foreground tabular-nums">{e.seq}</TableCell>
                    <TableCell className="whitespace-nowrap">{formatDateTime(e.occurred_at)}</TableCell>
                    <TableCell><Badge variant="outline">{e.product.toUpperCase()}</Badge></TableCell>
                    <TableCell className="max-w-48 truncate" title={e.actor.label ?? ""}>{e.actor.label ?? e.actor.type}</TableCell>
                    <TableCell className="max-w-56 truncate">{e.action}</TableCell>
                    <TableCell className="hidden max-w-48 truncate md:table-cell">{e.resource.id ? `${e.resource.type}:${e.resource.id}` : ""}</TableCell>
                    <TableCell>
                      <div className="grid gap-0.5">
                        <DecisionBadge decision={e.decision} />
                        {e.reason ? <span className="max-w-64 truncate text-xs text-muted-foreground" title={e.reason}>{e.reason}</span> : null}
                      </div>
                    </TableCell>
                  </TableRow>
                  {open === e.id ? (
                    <TableRow className="hover:bg-transparent">
                      <TableCell colSpan={COLUMNS} className="bg-muted/30 whitespace-normal">
                        <dl className="grid gap-x-6 gap-y-1 text-xs sm:grid-cols-[max-content_1fr]">
                          <dt className="text-muted-foreground">Request</dt><dd><code>{e.request_id ?? "—"}</code></dd>
                          <dt className="text-muted-foreground">Client IP</dt><dd>{e.client_ip ?? "—"}</dd>
                          <dt className="text-muted-foreground">Latency</dt><dd>{e.latency_ms !== null ? `${e.latency_ms} ms` : "—"}</dd>
                          <dt className="text-muted-foreground">Hash</dt><dd><code className="break-all">{e.hash}</code></dd>
                          <dt className="text-muted-foreground">Details</dt>
                          <dd><pre className="max-h-64 overflow-auto rounded bg-muted p-2">{JSON.stringify(e.metadata, null, 2)}</pre></dd>
                        </dl>
                      </TableCell>
                    </TableRow>
                  ) : null}
                </React.Fragment>
              ))
            )}
          </TableBody>
        </Table>
        <LoadMore hasNextPage={list.hasNextPage} isFetchingNextPage={list.isFetchingNextPage} fetchNextPage={list.fetchNextPage} />
      </Card>
    </div>
  );
}
