"use client";

import { useQueryClient } from "@tanstack/react-query";
import { BotIcon, UserIcon } from "lucide-react";
import { api } from "@/components/console/api";
import { ConfirmDialog, useConfirmTarget } from "@/components/console/confirm-dialog";
import { EmptyRow, ErrorRow, LoadingRows } from "@/components/console/data-states";
import { formatDate, formatDateTime, formatRelative } from "@/components/console/format";
import { useIdentity } from "@/components/console/identity";
import { LoadMore } from "@/components/console/load-more";
import { PageHeader } from "@/components/console/page-header";
import { queryKeys, useApiKeys } from "@/components/console/queries";
import { canManageOrg, type ApiKey, type ConsoleIdentity } from "@/components/console/types";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { useToast } from "@/components/ui/toast";
import { CreateApiKeyDialog } from "./create-api-key-dialog";
import { HowToUse } from "./how-to-use";

const COLUMNS = 7;

function canRevoke(identity: ConsoleIdentity, key: ApiKey): boolean {
  if (key.revoked_at) return false;
  if (canManageOrg(identity.role)) return true;
  return identity.role === "member" && key.owner.type === "user" && key.owner.id === identity.user.id;
}

export function ApiKeysScreen() {
  const identity = useIdentity();
  const keys = useApiKeys();
  const qc = useQueryClient();
  const toast = useToast();
  const revoke = useConfirmTarget<ApiKey>();
  const revoking = revoke.target;
  const readOnly = identity.role === "auditor";
  const activeCount = keys.items.filter((k) => !k.revoked_at).length;

  return (
    <div className="grid grid-cols-1 gap-6">
      <PageHeader
        level={2}
        title="API keys"
        description={
          identity.role === "member"
            ? "Your keys. Each one lets an AI assistant or script reach Fortress as you."
            : "Every key of the organisation. A key acts as its owner: a person or a service account."
        }
        actions={readOnly ? null : <CreateApiKeyDialog />}
      />

      <Card className="gap-0 py-0">
        <div className="flex items-center justify-between border-b px-5 py-3 text-sm">
          <span className="text-muted-foreground">
            {keys.isSuccess ? (
              <>
                <span className="font-medium text-foreground">{activeCount}</span> active
                {keys.items.length !== activeCount ? <>, {keys.items.length - activeCount} revoked</> : null}
              </>
            ) : (
              "\u00a0"
            )}
          </span>
          {readOnly ? <Badge variant="muted">Read-only: auditors cannot create or revoke keys</Badge> : null}
        </div>
        <Table aria-label="API keys">
          <TableHeader>
            <TableRow className="hover:bg-transparent">
              <TableHead>Name</TableHead>
              <TableHead>Key</TableHead>
              <TableHead className="hidden sm:table-cell">Owner</TableHead>
              <TableHead className="hidden md:table-cell">Created</TableHead>
              <TableHead className="hidden sm:table-cell">Last used</TableHead>
              <TableHead>Status</TableHead>
              <TableHead className="text-right">
                <span className="sr-only">Actions</span>
              </TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {keys.isPending ? (
              <LoadingRows columns={COLUMNS} />
            ) : keys.isError ? (
              <ErrorRow columns={COLUMNS} error={keys.error} onRetry={() => void keys.refetch()} />
            ) : keys.items.length === 0 ? (
              <EmptyRow columns={COLUMNS}>
                No API keys yet.{readOnly ? null : " Create one to connect an AI assistant or a script."}
              </EmptyRow>
            ) : (
              keys.items.map((k) => (
                <TableRow key={k.id} data-state={k.revoked_at ? "inactive" : "active"}>
                  <TableCell className="max-w-56">
                    <div className="truncate font-medium" title={k.name}>
                      {k.name}
                    </div>
                    <div className="truncate text-xs text-muted-foreground sm:hidden">{k.owner.label}</div>
                  </TableCell>
                  <TableCell>
                    <code className="rounded bg-muted px-1.5 py-0.5 text-[12.5px]" aria-label={`Key starting ${k.prefix}`}>
                      {k.prefix}…
                    </code>
                  </TableCell>
                  <TableCell className="hidden max-w-64 sm:table-cell">
                    <span className="flex items-center gap-1.5 truncate" title={k.owner.label}>
                      {k.owner.type === "service_account" ? (
                        <BotIcon className="size-3.5 shrink-0 text-muted-foreground" aria-label="Service account" />
                      ) : (
                        <UserIcon className="size-3.5 shrink-0 text-muted-foreground" aria-label="Person" />
                      )}
                      <span className="truncate">{k.owner.label}</span>
                    </span>
                  </TableCell>
                  <TableCell className="hidden md:table-cell" title={formatDateTime(k.created_at)}>{formatDate(k.created_at)}</TableCell>
                  <TableCell className="hidden sm:table-cell" title={k.last_used_at ? formatDateTime(k.last_used_at) : undefined}>
                    {k.last_used_at ? formatRelative(k.last_used_at) : <span className="text-muted-foreground">Never</span>}
                  </TableCell>
                  <TableCell>
                    {k.revoked_at ? (
                      <Badge variant="muted" title={`Revoked ${formatDateTime(k.revoked_at)}`}>
                        Revoked
                      </Badge>
                    ) : (
                      <Badge variant="success">Active</Badge>
                    )}
                  </TableCell>
                  <TableCell className="text-right">
                    {canRevoke(identity, k) ? (
                      <Button variant="ghost-destructive" size="sm" onClick={() => revoke.ask(k)}>
                        Revoke<span className="sr-only"> {k.name}</span>
                      </Button>
                    ) : null}
                  </TableCell>
                </TableRow>
              ))
            )}
          </TableBody>
        </Table>
        <LoadMore hasNextPage={keys.hasNextPage} isFetchingNextPage={keys.isFetchingNextPage} fetchNextPage={keys.fetchNextPage} />
      </Card>

      <HowToUse />

      <ConfirmDialog
        open={revoke.open}
        onOpenChange={revoke.setOpen}
        title={`Revoke “${revoking?.name ?? ""}”?`}
        description={
          <>
            Anything using <code className="font-mono">{revoking?.prefix}…</code> stops working within a second. This cannot be
            undone.
          </>
        }
        confirmLabel="Revoke key"
        onConfirm={async () => {
          if (!revoking) return;
          await api(`/api-keys/${revoking.id}`, { method: "DELETE" });
          await qc.invalidateQueries({ queryKey: queryKeys.apiKeys });
          toast({ title: "API key revoked", description: revoking.name });
        }}
      />
    </div>
  );
}
