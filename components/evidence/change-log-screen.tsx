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
import { ApprovalsPanel } from "./approvals-panel";
import { SideBySideDiff } from "./diff";
import { ExportMenu } from "./export-menu";
import { FilterInput, localToIso, queryString, useDebounced } from "./filters";
import type { Change } from "./types";

const COLUMNS = 4;
const verb = (a: string) => ({ create: "Created", update: "Updated", delete: "Deleted", revoke: "Revoked" })[a] ?? a.replace(/_/g, " ");
const entityName = (t: string) => t.replace(/_/g, " ");

export function ChangeLogScreen() {
  const [q, setQ] = React.useState("");
  const [actor, setActor] = React.useState("");
  const [entity, setEntity] = React.useState("");
  const [from, setFrom] = React.useState("");
  const [to, setTo] = React.useState("");
  const filters = useDebounced({ q, actor, entity_type: entity, from: localToIso(from), to: localToIso(to) });
  const list = useInfiniteQuery({
    queryKey: ["changes", filters],
    queryFn: ({ pageParam }) =>
      api<Page<Change>>(`/changes?limit=50${pageParam ? `&cursor=${encodeURIComponent(pageParam)}` : ""}${queryString(filters)}`),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor,
  });
  const items = list.data?.pages.flatMap((p) => p.data) ?? [];

  return (
    <div className="grid grid-cols-1 gap-6">
      <PageHeader
        title="Change Log"
        description="Every configuration change, who made it and when, with the values before and after. Immutable: hash-chained and signed."
        actions={<ExportMenu path="/changes/export" from={filters.from} to={filters.to} />}
      />
      <ApprovalsPanel />
      <Card className="gap-0 py-0">
        <div className="grid gap-3 border-b px-5 py-3 sm:grid-cols-2 lg:grid-cols-5">
          <FilterInput label="Search" value={q} onChange={setQ} placeholder="role, rule, value…" />
          <FilterInput label="Actor" value={actor} onChange={setActor} placeholder="admin@company.com" />
          <FilterInput label="Entity type" value={entity} onChange={setEntity} placeholder="role, connector, api_key…" />
          <FilterInput label="From" type="datetime-local" value={from} onChange={setFrom} />
          <FilterInput label="To" type="datetime-local" value={to} onChange={setTo} />
        </div>
        <Table aria-label="Change Log">
          <TableHeader>
            <TableRow className="hover:bg-transparent">
              <TableHead className="w-44">Time</TableHead>
              <TableHead className="w-56">Actor</TableHead>
              <TableHead>Change</TableHead>
              <TableHead className="w-1/2">Before → after</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {list.isPending ? (
              <LoadingRows columns={COLUMNS} />
            ) : list.isError ? (
              <ErrorRow columns={COLUMNS} error={list.error} onRetry={() => void list.refetch()} />
            ) : items.length === 0 ? (
              <EmptyRow columns={COLUMNS}>No changes match.</EmptyRow>
            ) : (
              items.map((c) => (
                <TableRow key={c.id} className="align-top hover:bg-transparent">
                  <TableCell className="whitespace-nowrap">{formatDateTime(c.occurred_at)}</TableCell>
                  <TableCell className="max-w-56 truncate" title={c.actor.label ?? ""}>{c.actor.label ?? c.actor.type}</TableCell>
                  <TableCell className="whitespace-normal">
                    <div className="font-medium">
                      {verb(c.action)} {entityName(c.entity.type)}
                      {c.entity.label ? <>: {c.entity.label}</> : null}
                    </div>
                    <Badge variant="muted" className="mt-1">#{c.seq}</Badge>
                  </TableCell>
                  <TableCell className="whitespace-normal">
                    <SideBySideDiff before={c.before} after={c.after} />
                  </TableCell>
                </TableRow>
              ))
            )}
          </TableBody>
        </Table>
        <LoadMore hasNextPage={list.hasNextPage} isFetchingNextPage={list.isFetchingNextPage} fetchNextPage={list.fetchNextPage} />
      </Card>
    </div>
  );
}
