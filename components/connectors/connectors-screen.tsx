"use client";

import Link from "next/link";
import { TriangleAlertIcon } from "lucide-react";
import { EmptyRow, ErrorRow, LoadingRows } from "@/components/console/data-states";
import { formatDate, formatDateTime, formatRelative } from "@/components/console/format";
import { useIdentity } from "@/components/console/identity";
import { LoadMore } from "@/components/console/load-more";
import { PageHeader } from "@/components/console/page-header";
import { canManageOrg } from "@/components/console/types";
import { Badge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { AddConnectorDialog } from "./add-connector-dialog";
import { useConnectors } from "./queries";
import { StatusBadge } from "./status-badge";

const COLUMNS = 7;

export function ConnectorsScreen() {
  const { role } = useIdentity();
  const manage = canManageOrg(role);
  const list = useConnectors();

  return (
    <div className="grid grid-cols-1 gap-6">
      <PageHeader
        level={2}
        title="Connectors"
        description="SaaS tools and MCP servers that AI assistants reach through Fortress. Their tools are named connector__action; Policy Radar decides who may call them."
        actions={manage ? <AddConnectorDialog /> : null}
      />
      <Card className="gap-0 py-0">
        <Table aria-label="Connectors">
          <TableHeader>
            <TableRow className="hover:bg-transparent">
              <TableHead>Connector</TableHead>
              <TableHead>Status</TableHead>
              <TableHead className="hidden sm:table-cell">Tools exposed</TableHead>
              <TableHead className="hidden xl:table-cell">Roles using it</TableHead>
              <TableHead className="hidden md:table-cell">Credential</TableHead>
              <TableHead className="hidden lg:table-cell">Last tested</TableHead>
              <TableHead className="hidden lg:table-cell">Added</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {list.isPending ? (
              <LoadingRows columns={COLUMNS} />
            ) : list.isError ? (
              <ErrorRow columns={COLUMNS} error={list.error} onRetry={() => void list.refetch()} />
            ) : list.items.length === 0 ? (
              <EmptyRow columns={COLUMNS}>No connectors yet.{manage ? " Add one to give AI assistants governed access to a SaaS tool." : null}</EmptyRow>
            ) : (
              list.items.map((c) => (
                <TableRow key={c.id}>
                  <TableCell className="max-w-64">
                    <Link href={`/vault/connectors/${c.id}`} className="font-medium underline-offset-4 hover:underline">
                      {c.name}
                    </Link>
                    <div className="truncate text-xs text-muted-foreground">
                      {c.type_name} · <code>{c.slug}__</code>
                    </div>
                  </TableCell>
                  <TableCell>
                    <div className="flex flex-col items-start gap-1">
                      <StatusBadge status={c.status} />
                      {!c.enabled ? <Badge variant="muted">Toggled off</Badge> : null}
                    </div>
                  </TableCell>
                  <TableCell className="hidden sm:table-cell">
                    {c.tools.exposed} / {c.tools.total}
                    {c.tools.pending_approval ? (
                      <Badge variant="destructive" className="ml-2" title="Changed upstream tool definitions are held back until approved">
                        {c.tools.pending_approval} awaiting approval
                      </Badge>
                    ) : null}
                  </TableCell>
                  <TableCell className="hidden max-w-48 xl:table-cell">
                    {c.roles.length ? (
                      <span className="truncate text-xs" title={c.roles.map((r) => r.name).join(", ")}>
                        {c.roles.map((r) => r.name).join(", ")}
                      </span>
                    ) : (
                      <span className="text-xs text-muted-foreground">No role yet</span>
                    )}
                  </TableCell>
                  <TableCell className="hidden md:table-cell">
                    {c.credential ? (
                      <div className="grid gap-0.5 text-xs">
                        <span title={formatDateTime(c.credential.rotated_at ?? c.credential.created_at)}>
                          {c.credential.rotated_at ? `Rotated ${formatRelative(c.credential.rotated_at)}` : `Set ${formatRelative(c.credential.created_at)}`}
                        </span>
                        {c.credential.expires_at ? (
                          <span className={c.credential.expiring_soon ? "flex items-center gap-1 font-medium text-destructive" : "text-muted-foreground"}>
                            {c.credential.expiring_soon ? <TriangleAlertIcon className="size-3" aria-hidden /> : null}
                            Expires {formatDate(c.credential.expires_at)}
                          </span>
                        ) : null}
                      </div>
                    ) : (
                      <span className="text-muted-foreground">None</span>
                    )}
                  </TableCell>
                  <TableCell className="hidden lg:table-cell">
                    {c.last_tested_at ? formatRelative(c.last_tested_at) : <span className="text-muted-foreground">Never</span>}
                  </TableCell>
                  <TableCell className="hidden lg:table-cell" title={formatDateTime(c.created_at)}>
                    {formatDate(c.created_at)}
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
