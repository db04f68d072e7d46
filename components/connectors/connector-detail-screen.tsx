"use client";

import * as React from "react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { ArrowLeftIcon, CheckIcon, FlaskConicalIcon, LoaderCircleIcon, PowerIcon, RefreshCwIcon, ShieldAlertIcon, Trash2Icon, TriangleAlertIcon } from "lucide-react";
import { api } from "@/components/console/api";
import { ConfirmDialog } from "@/components/console/confirm-dialog";
import { EmptyRow, ErrorRow, FormError, LoadingRows } from "@/components/console/data-states";
import { formatDate, formatDateTime, formatRelative } from "@/components/console/format";
import { useIdentity } from "@/components/console/identity";
import { PageHeader } from "@/components/console/page-header";
import { canManageOrg } from "@/components/console/types";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Input } from "@/components/ui/input";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { useToast } from "@/components/ui/toast";
import { connectorKeys, useConnector, useConnectorActions } from "./queries";
import { RotateDialog } from "./rotate-dialog";
import { StatusBadge } from "./status-badge";
import { can, type Connector, type ConnectorAction, type TestOutcome } from "./types";

const COLUMNS = 4;

function Lifecycle({ c }: { c: Connector }) {
  const qc = useQueryClient();
  const toast = useToast();
  const router = useRouter();
  const [confirm, setConfirm] = React.useState<"kill" | "delete" | null>(null);
  const [reason, setReason] = React.useState("");
  const refresh = () => qc.invalidateQueries({ queryKey: connectorKeys.all });
  const test = useMutation({
    mutationFn: (path: "test" | "enable") => api<TestOutcome>(`/connectors/${c.id}/${path}`, { method: "POST" }),
    onSuccess: (r) => {
      void refresh();
      toast({ title: r.ok ? "Test Connection passed" : "Test Connection failed", description: r.error ?? `${c.name} is ${r.connector.status}` });
    },
  });
  const toggle = useMutation({
    mutationFn: () => api<Connector>(`/connectors/${c.id}`, { method: "PUT", body: { enabled: !c.enabled } }),
    onSuccess: () => void refresh(),
  });
  return (
    <div className="grid gap-2">
      <div className="flex flex-wrap gap-2">
        {can(c, "test") ? (
          <Button variant="outline" disabled={test.isPending} onClick={() => test.mutate("test")}>
            {test.isPending ? <LoaderCircleIcon className="animate-spin" aria-hidden /> : <FlaskConicalIcon aria-hidden />}
            {c.status === "ACTIVE" ? "Test connection" : "Retry"}
          </Button>
        ) : null}
        {can(c, "enable") ? (
          <Button variant="outline" disabled={test.isPending} onClick={() => test.mutate("enable")}>
            <PowerIcon aria-hidden />
            Re-enable
          </Button>
        ) : null}
        {can(c, "edit") ? (
          <Button variant="outline" disabled={toggle.isPending} onClick={() => toggle.mutate()} title="Layer 1 toggle: off means nobody may use it, whatever their role">
            {c.enabled ? "Turn off" : "Turn on"}
          </Button>
        ) : null}
        {can(c, "rotate") ? <RotateDialog connector={c} /> : null}
        {can(c, "kill") ? (
          <Button variant="destructive" onClick={() => setConfirm("kill")}>
            <ShieldAlertIcon aria-hidden />
            Kill
          </Button>
        ) : null}
        {can(c, "delete") ? (
          <Button variant="ghost-destructive" onClick={() => setConfirm("delete")}>
            <Trash2Icon aria-hidden />
            Delete
          </Button>
        ) : null}
      </div>
      <FormError error={test.error ?? toggle.error} />
      <ConfirmDialog
        open={confirm === "kill"}
        onOpenChange={(o) => setConfirm(o ? "kill" : null)}
        title={`Kill “${c.name}”?`}
        description={
          <span className="grid gap-2">
            <span>Every call to {c.slug}__… is refused at once. It stays KILLED until an admin re-enables it; webhooks get a connector.killed event.</span>
            <Input aria-label="Reason (optional)" placeholder="Reason (optional)" value={reason} onChange={(e) => setReason(e.target.value)} maxLength={500} />
          </span>
        }
        confirmLabel="Kill connector"
        onConfirm={async () => {
          await api(`/connectors/${c.id}/kill`, { method: "POST", body: reason.trim() ? { reason: reason.trim() } : {} });
          setReason("");
          await refresh();
          toast({ title: "Connector killed", description: c.name });
        }}
      />
      <ConfirmDialog
        open={confirm === "delete"}
        onOpenChange={(o) => setConfirm(o ? "delete" : null)}
        title={`Delete “${c.name}”?`}
        description="The connector and its actions are removed and its credential is destroyed in the vault (crypto-shredded). This cannot be undone."
        confirmLabel="Delete connector"
        onConfirm={async () => {
          const res = await api<{ pending_approval?: { summary: string } } | undefined>(`/connectors/${c.id}`, { method: "DELETE" });
          await refresh();
          if (res?.pending_approval) {
            toast({ title: "Deletion awaits approval", description: "Your organisation requires a second admin to approve connector deletions." });
            return;
          }
          toast({ title: "Connector deleted", description: c.name });
          router.push("/vault/connectors");
        }}
      />
    </div>
  );
}

function PendingDefinition({ a }: { a: ConnectorAction }) {
  const d = a.pending!.definition as { description?: string; inputSchema?: unknown };
  return (
    <details className="mt-2 rounded-md border border-destructive/30 bg-destructive/5 p-2 text-xs">
      <summary className="cursor-pointer font-medium text-destructive">Changed definition awaiting approval</summary>
      <div className="mt-2 grid gap-1">
        <div>
          <span className="font-medium">New description:</span> {d.description || <em>empty</em>}
        </div>
        <pre className="max-h-48 overflow-auto rounded bg-muted p-2 whitespace-pre-wrap">{JSON.stringify(d.inputSchema, null, 2)}</pre>
        <div className="text-muted-foreground">SHA-256 {a.pending!.hash.slice(0, 16)}…{a.pinned_hash ? ` (approved: ${a.pinned_hash.slice(0, 16)}…)` : " (new tool)"}</div>
      </div>
    </details>
  );
}

function Actions({ c }: { c: Connector }) {
  const { role } = useIdentity();
  const qc = useQueryClient();
  const toast = useToast();
  const actions = useConnectorActions(c.id);
  const editable = canManageOrg(role) && can(c, "edit");
  const [exposed, setExposed] = React.useState<Set<string> | null>(null);
  const rows = actions.data?.data ?? [];
  const current = exposed ?? new Set(rows.filter((a) => a.exposed).map((a) => a.name));
  const dirty = exposed !== null;
  const put = useMutation({
    mutationFn: (body: Record<string, unknown>) => api<{ data: ConnectorAction[]; tools?: TestOutcome["tools"] }>(`/connectors/${c.id}/actions`, { method: "PUT", body }),
    onSuccess: (r, body) => {
      setExposed(null);
      void qc.invalidateQueries({ queryKey: connectorKeys.all });
      if (body.refresh) toast({ title: "Tools rediscovered", description: r.tools?.held_back.length ? `${r.tools.held_back.length} held back for approval` : "No changes held back" });
    },
  });
  return (
    <Card className="gap-0 py-0">
      <div className="flex flex-wrap items-center justify-between gap-2 border-b px-5 py-3">
        <h2 className="text-base font-semibold">Actions</h2>
        <div className="flex gap-2">
          {editable && c.type === "mcp" ? (
            <Button size="sm" variant="outline" disabled={put.isPending} onClick={() => put.mutate({ refresh: true })}>
              <RefreshCwIcon aria-hidden />
              Rediscover tools
            </Button>
          ) : null}
          {editable && dirty ? (
            <>
              <Button size="sm" variant="ghost" onClick={() => setExposed(null)}>
                Cancel
              </Button>
              <Button size="sm" disabled={put.isPending} onClick={() => put.mutate({ exposed: [...current] })}>
                Save exposed tools
              </Button>
            </>
          ) : null}
        </div>
      </div>
      <FormError error={put.error} />
      <Table aria-label="Actions">
        <TableHeader>
          <TableRow className="hover:bg-transparent">
            <TableHead className="w-10">Exposed</TableHead>
            <TableHead>Tool</TableHead>
            <TableHead className="hidden md:table-cell">Description</TableHead>
            <TableHead className="text-right">
              <span className="sr-only">Approve</span>
            </TableHead>
          </TableRow>
        </TableHeader>
        <TableBody>
          {actions.isPending ? (
            <LoadingRows columns={COLUMNS} />
          ) : actions.isError ? (
            <ErrorRow columns={COLUMNS} error={actions.error} onRetry={() => void actions.refetch()} />
          ) : rows.length === 0 ? (
            <EmptyRow columns={COLUMNS}>{c.type === "mcp" ? "No tools discovered yet: run Test connection." : "No actions."}</EmptyRow>
          ) : (
            rows.map((a) => (
              <TableRow key={a.id} data-state={a.exposed ? "active" : "inactive"}>
                <TableCell>
                  <input
                    type="checkbox"
                    aria-label={`Expose ${a.tool_name}`}
                    className="size-4 accent-primary"
                    checked={current.has(a.name)}
                    disabled={!editable || Boolean(a.pending) || Boolean(a.binding?.removed)}
                    onChange={(e) => {
                      const next = new Set(current);
                      if (e.target.checked) next.add(a.name);
                      else next.delete(a.name);
                      setExposed(next);
                    }}
                  />
                </TableCell>
                <TableCell className="max-w-72 whitespace-normal">
                  <code className="text-[12.5px] font-medium">{a.tool_name}</code>
                  <div className="mt-1 flex flex-wrap gap-1">
                    {a.destructive ? <Badge variant="destructive">Destructive</Badge> : null}
                    {a.read_only ? <Badge variant="muted">Read-only</Badge> : null}
                    {a.pending ? <Badge variant="destructive">Pending approval</Badge> : null}
                    {a.binding?.removed ? <Badge variant="muted">Gone upstream</Badge> : null}
                  </div>
                </TableCell>
                <TableCell className="hidden max-w-xl whitespace-normal text-sm text-muted-foreground md:table-cell">
                  {a.description || <em>No approved description yet</em>}
                  {a.pending ? <PendingDefinition a={a} /> : null}
                </TableCell>
                <TableCell className="text-right">
                  {a.pending && editable ? (
                    <Button size="sm" variant="outline" disabled={put.isPending} onClick={() => put.mutate({ approve: [a.name] })}>
                      <CheckIcon aria-hidden />
                      Approve<span className="sr-only"> {a.tool_name}</span>
                    </Button>
                  ) : null}
                </TableCell>
              </TableRow>
            ))
          )}
        </TableBody>
      </Table>
    </Card>
  );
}

export function ConnectorDetailScreen({ id }: { id: string }) {
  const { role } = useIdentity();
  const q = useConnector(id);
  const c = q.data;
  return (
    <div className="grid grid-cols-1 gap-6">
      <Link href="/vault/connectors" className="inline-flex w-fit items-center gap-1 text-sm text-muted-foreground hover:text-foreground">
        <ArrowLeftIcon className="size-4" aria-hidden />
        All connectors
      </Link>
      {q.isError ? <FormError error={q.error} /> : null}
      {c ? (
        <>
          <PageHeader
            level={2}
            title={c.name}
            description={
              <span className="flex flex-wrap items-center gap-2">
                <StatusBadge status={c.status} />
                <span>
                  {c.type_name} · tools <code>{c.slug}__…</code> · {c.tools.exposed} of {c.tools.total} exposed
                </span>
              </span>
            }
          />
          {c.tools.pending_approval ? (
            <Alert variant="warning">
              <TriangleAlertIcon aria-hidden />
              <AlertTitle>{c.tools.pending_approval} tool definition{c.tools.pending_approval === 1 ? "" : "s"} changed upstream</AlertTitle>
              <AlertDescription>They are held back (not callable) until you review and approve them below: a changed description can be a prompt-injection attempt.</AlertDescription>
            </Alert>
          ) : null}
          {c.last_error && c.status !== "ACTIVE" ? (
            <Alert variant="destructive">
              <TriangleAlertIcon aria-hidden />
              <AlertTitle>Last error</AlertTitle>
              <AlertDescription>{c.last_error}</AlertDescription>
            </Alert>
          ) : null}
          {c.credential?.expiring_soon ? (
            <Alert variant="warning">
              <TriangleAlertIcon aria-hidden />
              <AlertTitle>The credential expires {c.credential.expires_at ? formatDate(c.credential.expires_at) : "soon"}</AlertTitle>
              <AlertDescription>Rotate it before then, or calls will start failing.</AlertDescription>
            </Alert>
          ) : null}
          <Card className="grid gap-3 px-5 py-4 text-sm sm:grid-cols-2">
            <div>
              <div className="text-muted-foreground">Credential</div>
              {c.credential ? (
                <div title={formatDateTime(c.credential.rotated_at ?? c.credential.created_at)}>
                  {c.credential.type} · {c.credential.rotated_at ? `rotated ${formatRelative(c.credential.rotated_at)}` : `set ${formatRelative(c.credential.created_at)}`}
                </div>
              ) : (
                "None"
              )}
            </div>
            <div>
              <div className="text-muted-foreground">Last tested</div>
              <div>{c.last_tested_at ? formatRelative(c.last_tested_at) : "Never"}</div>
            </div>
            <div className="sm:col-span-2">
              <div className="text-muted-foreground">Roles using it</div>
              <div>
                {c.roles.length ? (
                  c.roles.map((r) => (
                    <Link key={r.id} href="/policy/roles" className="mr-2 underline-offset-4 hover:underline">
                      {r.name}
                    </Link>
                  ))
                ) : (
                  <span className="text-muted-foreground">No role allows its actions yet: grant them in Policy Radar.</span>
                )}
              </div>
            </div>
            <div className="sm:col-span-2">
              <div className="text-muted-foreground">Configuration</div>
              <code className="text-xs break-all">{JSON.stringify(Object.fromEntries(Object.entries(c.config).filter(([k]) => k !== "auth")))}</code>
            </div>
          </Card>
          {canManageOrg(role) ? <Lifecycle c={c} /> : null}
          <Actions c={c} />
        </>
      ) : q.isPending ? (
        <div className="text-sm text-muted-foreground">Loading…</div>
      ) : null}
    </div>
  );
}
