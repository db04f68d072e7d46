"use client";

import { useQueryClient } from "@tanstack/react-query";
import { api } from "@/components/console/api";
import { ConfirmDialog, useConfirmTarget } from "@/components/console/confirm-dialog";
import { EmptyRow, ErrorRow, LoadingRows } from "@/components/console/data-states";
import { formatDate, formatDateTime } from "@/components/console/format";
import { useIdentity } from "@/components/console/identity";
import { PageHeader } from "@/components/console/page-header";
import { canManageOrg } from "@/components/console/types";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { useToast } from "@/components/ui/toast";
import { AddPatKeyDialog, RotatePatKeyDialog } from "./pat-key-dialogs";
import { patKeys, usePatKeys } from "./queries";
import { usd, type PatKey } from "./types";

const COLUMNS = 7;

export function StatusBadge({ pat }: { pat: PatKey }) {
  if (pat.status === "REVOKED") return <Badge variant="destructive">Revoked</Badge>;
  if (pat.status === "ROTATED") return <Badge variant="muted">Rotated · fallback until {pat.overlap_until ? formatDateTime(pat.overlap_until) : "—"}</Badge>;
  if (!pat.enabled) return <Badge variant="muted">Disabled</Badge>;
  return <Badge variant="success">Active</Badge>;
}

/** Vault → PAT Keys: the org's Claude PATs with their limits; add, rotate, disable, revoke. */
export function PatKeysScreen() {
  const identity = useIdentity();
  const manage = canManageOrg(identity.role);
  const keys = usePatKeys();
  const qc = useQueryClient();
  const toast = useToast();
  const revoke = useConfirmTarget<PatKey>();
  const refresh = () => qc.invalidateQueries({ queryKey: patKeys.list });

  const toggle = async (k: PatKey) => {
    try {
      await api(`/pat-keys/${k.id}`, { method: "PATCH", body: { enabled: !k.enabled } });
      toast({ title: `"${k.label}" ${k.enabled ? "disabled" : "enabled"}` });
      await refresh();
    } catch (err) {
      toast({ title: "Could not change the key", description: (err as Error).message, variant: "error" });
    }
  };

  return (
    <div className="grid grid-cols-1 gap-6">
      <PageHeader
        level={2}
        title="PAT Keys"
        description="Claude API keys held by Fortress. Developers call Fortress with their org API key; the roles in Policy Radar decide who may use which PAT key."
        actions={manage ? <AddPatKeyDialog /> : null}
      />
      <Card className="gap-0 py-0">
        <Table>
          <TableHeader>
            <TableRow>
              <TableHead>Label</TableHead>
              <TableHead>Status</TableHead>
              <TableHead>Models</TableHead>
              <TableHead>Max tokens</TableHead>
              <TableHead>Monthly cap</TableHead>
              <TableHead>Key</TableHead>
              <TableHead className="text-right">Actions</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {keys.isPending ? (
              <LoadingRows columns={COLUMNS} />
            ) : keys.isError ? (
              <ErrorRow columns={COLUMNS} error={keys.error} onRetry={() => void keys.refetch()} />
            ) : keys.data.length === 0 ? (
              <EmptyRow columns={COLUMNS}>No PAT keys yet. Add one to let your developers reach Claude through Fortress.</EmptyRow>
            ) : (
              keys.data.map((k) => (
                <TableRow key={k.id}>
                  <TableCell className="font-medium">
                    {k.label}
                    <div className="text-xs text-muted-foreground">added {formatDate(k.created_at)}</div>
                  </TableCell>
                  <TableCell>
                    <StatusBadge pat={k} />
                  </TableCell>
                  <TableCell className="max-w-64">
                    {k.models.length === 0 ? (
                      <span className="text-muted-foreground">All models</span>
                    ) : (
                      <div className="flex flex-wrap gap-1">
                        {k.models.map((m) => (
                          <Badge key={m} variant="outline" className="font-mono">
                            {m}
                          </Badge>
                        ))}
                      </div>
                    )}
                  </TableCell>
                  <TableCell>{k.max_tokens ?? "—"}</TableCell>
                  <TableCell>{k.monthly_cap_usd === null ? "No cap" : `${usd(k.monthly_cap_usd)} · alert ${k.alert_threshold_pct}%`}</TableCell>
                  <TableCell className="font-mono text-xs">{k.last_four ? `…${k.last_four}` : "••••"}</TableCell>
                  <TableCell className="text-right">
                    {manage && k.status === "ACTIVE" ? (
                      <div className="flex justify-end gap-2">
                        <RotatePatKeyDialog pat={k} />
                        <Button variant="outline" size="sm" onClick={() => void toggle(k)}>
                          {k.enabled ? "Disable" : "Enable"}
                        </Button>
                        <Button variant="outline" size="sm" className="text-destructive" onClick={() => revoke.ask(k)}>
                          Revoke
                        </Button>
                      </div>
                    ) : manage && k.status === "ROTATED" ? (
                      <Button variant="outline" size="sm" className="text-destructive" onClick={() => revoke.ask(k)}>
                        End overlap now
                      </Button>
                    ) : null}
                  </TableCell>
                </TableRow>
              ))
            )}
          </TableBody>
        </Table>
      </Card>
      <ConfirmDialog
        open={revoke.open}
        onOpenChange={revoke.setOpen}
        title={`Revoke "${revoke.target?.label ?? ""}"?`}
        description="It stops serving requests at once and the Anthropic key is destroyed. This cannot be undone."
        confirmLabel="Revoke"
        onConfirm={async () => {
          await api(`/pat-keys/${revoke.target!.id}`, { method: "DELETE" });
          toast({ title: `"${revoke.target!.label}" revoked` });
          await refresh();
        }}
      />
    </div>
  );
}
