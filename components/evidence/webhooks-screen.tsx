"use client";

import * as React from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { PlusIcon, SendIcon, TriangleAlertIcon } from "lucide-react";
import { api, errorMessage } from "@/components/console/api";
import { ConfirmDialog, useConfirmTarget } from "@/components/console/confirm-dialog";
import { EmptyRow, ErrorRow, FormError, LoadingRows } from "@/components/console/data-states";
import { formatDateTime } from "@/components/console/format";
import { useIdentity } from "@/components/console/identity";
import { PageHeader } from "@/components/console/page-header";
import { canManageOrg } from "@/components/console/types";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { CopyButton } from "@/components/ui/copy-button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from "@/components/ui/dialog";
import { Input } from "@/components/ui/input";
import { Field } from "@/components/ui/label";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { useToast } from "@/components/ui/toast";

interface Webhook {
  id: string;
  url: string;
  description: string;
  events: string[];
  enabled: boolean;
  created_at: string;
}
interface Delivery {
  id: string;
  event_type: string;
  status: "pending" | "succeeded" | "dead";
  attempts: number;
  next_attempt_at: string | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: string;
  log: { attempt: number; at: string; status_code: number | null; error: string | null; duration_ms: number }[];
}

export const EVENTS: { type: string; label: string }[] = [
  { type: "request.denied", label: "A request was denied by policy (MCP or PAT)" },
  { type: "connector.killed", label: "A connector was killed (abuse or errors)" },
  { type: "connector.error", label: "A connector returned an error" },
  { type: "user.overage", label: "A user exceeded a rate limit or quota" },
  { type: "credential.expiring", label: "A credential expires within 7 days" },
  { type: "anomaly.detected", label: "Anomaly detection flagged unusual activity" },
  { type: "pat.spend_cap_reached", label: "A PAT key reached its spend cap (or the alert threshold)" },
  { type: "pat.model_blocked", label: "A model was blocked by a PAT key's allowlist" },
  { type: "pat.spend_alert", label: "A PAT key's month-to-date spend reached its alert threshold (default 80 %)" },
  { type: "device.noncompliant", label: "A device failed its posture check (Zero Trust)" },
];

const KEY = ["webhooks"];

function CreateWebhookDialog() {
  const qc = useQueryClient();
  const [open, setOpen] = React.useState(false);
  const [url, setUrl] = React.useState("");
  const [description, setDescription] = React.useState("");
  const [events, setEvents] = React.useState<string[]>(["request.denied", "anomaly.detected"]);
  const [secret, setSecret] = React.useState<string | null>(null);
  const create = useMutation({
    mutationFn: () => api<Webhook & { secret: string }>("/webhooks", { method: "POST", body: { url, description, events } }),
    onSuccess: (res) => {
      setSecret(res.secret);
      void qc.invalidateQueries({ queryKey: KEY });
    },
  });
  const onOpenChange = (next: boolean) => {
    if (next) {
      setUrl("");
      setDescription("");
      setSecret(null);
      create.reset();
    } else setTimeout(() => setSecret(null), 250);
    setOpen(next);
  };
  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogTrigger asChild>
        <Button>
          <PlusIcon aria-hidden /> Add endpoint
        </Button>
      </DialogTrigger>
      <DialogContent className="sm:max-w-xl" onPointerDownOutside={(e) => secret && e.preventDefault()}>
        {secret ? (
          <>
            <DialogHeader>
              <DialogTitle>Endpoint added</DialogTitle>
              <DialogDescription>Use this signing secret to verify the Fortress-Signature header (see docs/webhooks.md).</DialogDescription>
            </DialogHeader>
            <Alert>
              <TriangleAlertIcon aria-hidden />
              <AlertTitle>Shown once</AlertTitle>
              <AlertDescription>Fortress keeps it in its vault and will never show it again.</AlertDescription>
            </Alert>
            <div className="flex items-center gap-2">
              <code className="flex-1 rounded bg-muted px-2 py-1.5 text-sm break-all">{secret}</code>
              <CopyButton value={secret} />
            </div>
            <DialogFooter>
              <Button onClick={() => onOpenChange(false)}>Done</Button>
            </DialogFooter>
          </>
        ) : (
          <form
            className="grid gap-4"
            onSubmit={(e) => {
              e.preventDefault();
              create.mutate();
            }}
          >
            <DialogHeader>
              <DialogTitle>Add a webhook endpoint</DialogTitle>
              <DialogDescription>Fortress POSTs signed JSON events to this URL, retrying with backoff for about a day.</DialogDescription>
            </DialogHeader>
            <Field label="URL" htmlFor="wh-url">
              <Input id="wh-url" required placeholder="https://siem.example.com/fortress" value={url} onChange={(e) => setUrl(e.target.value)} />
            </Field>
            <Field label="Description" htmlFor="wh-desc">
              <Input id="wh-desc" placeholder="Security team SIEM" value={description} onChange={(e) => setDescription(e.target.value)} />
            </Field>
            <fieldset className="grid gap-1.5">
              <legend className="mb-1 text-sm font-medium">Events</legend>
              {EVENTS.map((ev) => (
                <label key={ev.type} className="flex items-start gap-2 text-sm">
                  <input
                    type="checkbox"
                    className="mt-1"
                    checked={events.includes(ev.type)}
                    onChange={(e) => setEvents((cur) => (e.target.checked ? [...cur, ev.type] : cur.filter((x) => x !== ev.type)))}
                  />
                  <span>
                    <code className="text-[12.5px]">{ev.type}</code> <span className="text-muted-foreground">— {ev.label}</span>
                  </span>
                </label>
              ))}
            </fieldset>
            <FormError error={create.error} />
            <DialogFooter>
              <Button type="submit" disabled={create.isPending || !url || events.length === 0}>Add endpoint</Button>
            </DialogFooter>
          </form>
        )}
      </DialogContent>
    </Dialog>
  );
}

function DeliveryLog({ id }: { id: string }) {
  const q = useQuery({ queryKey: [...KEY, id, "deliveries"], queryFn: () => api<{ data: Delivery[] }>(`/webhooks/${id}/deliveries`), refetchInterval: 10_000 });
  if (q.isPending) return <p className="text-xs text-muted-foreground">Loading deliveries…</p>;
  if (q.isError) return <p className="text-xs text-destructive">{errorMessage(q.error)}</p>;
  if (q.data.data.length === 0) return <p className="text-xs text-muted-foreground">No deliveries yet.</p>;
  return (
    <ul className="grid gap-1 text-xs">
      {q.data.data.map((d) => (
        <li key={d.id} className="flex flex-wrap items-center gap-2">
          <Badge variant={d.status === "succeeded" ? "success" : d.status === "dead" ? "destructive" : "muted"}>{d.status}</Badge>
          <code>{d.event_type}</code>
          <span className="text-muted-foreground">{formatDateTime(d.created_at)}</span>
          <span>
            {d.log.map((a) => (
              <span key={a.attempt} className="mr-1 rounded bg-muted px-1 tabular-nums" title={a.error ?? `${a.duration_ms} ms`}>
                {a.status_code ?? "ERR"}
              </span>
            ))}
          </span>
          {d.next_attempt_at ? <span className="text-muted-foreground">next try {formatDateTime(d.next_attempt_at)}</span> : null}
        </li>
      ))}
    </ul>
  );
}

export function WebhooksScreen() {
  const identity = useIdentity();
  const manage = canManageOrg(identity.role);
  const qc = useQueryClient();
  const toast = useToast();
  const list = useQuery({ queryKey: KEY, queryFn: () => api<{ data: Webhook[] }>("/webhooks") });
  const del = useConfirmTarget<Webhook>();
  const [open, setOpen] = React.useState<string | null>(null);

  const test = async (w: Webhook) => {
    try {
      const r = await api<{ outcome: string; status_code: number | null; error: string | null }>(`/webhooks/${w.id}/test`, { method: "POST" });
      toast({ title: r.outcome === "succeeded" ? `Test event delivered (HTTP ${r.status_code})` : "Test event failed", description: r.error ?? w.url });
      void qc.invalidateQueries({ queryKey: [...KEY, w.id, "deliveries"] });
    } catch (err) {
      toast({ title: "Test event failed", description: errorMessage(err) });
    }
  };
  const toggle = async (w: Webhook) => {
    await api(`/webhooks/${w.id}`, { method: "PATCH", body: { enabled: !w.enabled } }).catch((err) => toast({ title: "Not saved", description: errorMessage(err) }));
    void qc.invalidateQueries({ queryKey: KEY });
  };

  return (
    <div className="grid grid-cols-1 gap-6">
      <PageHeader
        level={2}
        title="Webhooks"
        description="Send security events to your own systems (SIEM, chat, on-call). Payloads are signed with HMAC-SHA256."
        actions={manage ? <CreateWebhookDialog /> : null}
      />
      <Card className="gap-0 py-0">
        <Table aria-label="Webhook endpoints">
          <TableHeader>
            <TableRow className="hover:bg-transparent">
              <TableHead>Endpoint</TableHead>
              <TableHead>Events</TableHead>
              <TableHead>Status</TableHead>
              <TableHead className="text-right"><span className="sr-only">Actions</span></TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {list.isPending ? (
              <LoadingRows columns={4} />
            ) : list.isError ? (
              <ErrorRow columns={4} error={list.error} onRetry={() => void list.refetch()} />
            ) : list.data.data.length === 0 ? (
              <EmptyRow columns={4}>No endpoints yet.</EmptyRow>
            ) : (
              list.data.data.map((w) => (
                <React.Fragment key={w.id}>
                  <TableRow>
                    <TableCell className="max-w-80">
                      <button className="truncate text-left font-medium underline-offset-2 hover:underline" onClick={() => setOpen(open === w.id ? null : w.id)} aria-expanded={open === w.id}>
                        {w.url}
                      </button>
                      {w.description ? <div className="truncate text-xs text-muted-foreground">{w.description}</div> : null}
                    </TableCell>
                    <TableCell className="max-w-72 whitespace-normal text-xs">{w.events.join(", ")}</TableCell>
                    <TableCell>{w.enabled ? <Badge variant="success">Enabled</Badge> : <Badge variant="muted">Disabled</Badge>}</TableCell>
                    <TableCell className="space-x-1 text-right whitespace-nowrap">
                      {manage ? (
                        <>
                          <Button size="sm" variant="outline" onClick={() => void test(w)}>
                            <SendIcon aria-hidden /> Send test event
                          </Button>
                          <Button size="sm" variant="ghost" onClick={() => void toggle(w)}>{w.enabled ? "Disable" : "Enable"}</Button>
                          <Button size="sm" variant="ghost-destructive" onClick={() => del.ask(w)}>Delete</Button>
                        </>
                      ) : null}
                    </TableCell>
                  </TableRow>
                  {open === w.id ? (
                    <TableRow className="hover:bg-transparent">
                      <TableCell colSpan={4} className="bg-muted/30 whitespace-normal">
                        <DeliveryLog id={w.id} />
                      </TableCell>
                    </TableRow>
                  ) : null}
                </React.Fragment>
              ))
            )}
          </TableBody>
        </Table>
      </Card>
      <ConfirmDialog
        open={del.open}
        onOpenChange={del.setOpen}
        title={`Delete ${del.target?.url ?? ""}?`}
        description="Pending deliveries to it are dropped and its signing secret destroyed. If your organisation guards this change, another admin must approve it first."
        confirmLabel="Delete endpoint"
        onConfirm={async () => {
          if (!del.target) return;
          const res = await api<{ pending_approval?: unknown } | undefined>(`/webhooks/${del.target.id}`, { method: "DELETE" });
          toast({ title: res?.pending_approval ? "Deletion waiting for a second admin" : "Endpoint deleted", description: del.target.url });
          await qc.invalidateQueries({ queryKey: KEY });
        }}
      />
    </div>
  );
}
