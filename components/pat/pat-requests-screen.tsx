"use client";

import * as React from "react";
import { EmptyRow, ErrorRow, LoadingRows } from "@/components/console/data-states";
import { formatDateTime } from "@/components/console/format";
import { useIdentity } from "@/components/console/identity";
import { LoadMore } from "@/components/console/load-more";
import { PageHeader } from "@/components/console/page-header";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { Sheet, SheetContent, SheetDescription, SheetTitle } from "@/components/ui/sheet";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { useArchive, usePatRequests } from "./queries";
import { usd, type PatRequest } from "./types";

const COLUMNS = 8;
const ALL = "all";

function DecisionBadge({ r }: { r: PatRequest }) {
  if (r.decision === "allow") return <Badge variant="success">{r.status}</Badge>;
  if (r.decision === "deny") return <Badge variant="destructive">denied</Badge>;
  return <Badge variant="muted">{r.status}</Badge>;
}

function Body({ body }: { body: { text: string | null; base64: string | null } }) {
  let shown = body.text ?? `(binary, base64) ${body.base64}`;
  if (body.text) {
    try {
      shown = JSON.stringify(JSON.parse(body.text), null, 2);
    } catch {
      // SSE or plain text: shown as stored
    }
  }
  return <pre className="max-h-96 overflow-auto rounded-md bg-muted p-3 text-xs whitespace-pre-wrap break-all">{shown}</pre>;
}

/** The archived exchange, verified and decrypted on the server for owners and auditors. */
function ArchiveViewer({ id, onClose }: { id: string | null; onClose: () => void }) {
  const archive = useArchive(id);
  return (
    <Sheet open={!!id} onOpenChange={(o) => !o && onClose()}>
      <SheetContent className="w-full overflow-y-auto sm:max-w-3xl">
        <SheetTitle>Archived exchange</SheetTitle>
        <SheetDescription className="font-mono text-xs break-all">{id}</SheetDescription>
        {archive.isPending ? (
          <p className="mt-4 text-sm text-muted-foreground">Verifying and decrypting…</p>
        ) : archive.isError ? (
          <p className="mt-4 text-sm text-destructive">{(archive.error as Error).message}</p>
        ) : (
          <div className="mt-4 grid gap-4 text-sm">
            <p className="text-xs text-muted-foreground">SHA-256 {archive.data.sha256} (matches the audit chain) · {formatDateTime(archive.data.at)}</p>
            <div className="grid gap-2">
              <h3 className="font-medium">
                Request · {archive.data.request.method} {archive.data.request.path}
              </h3>
              <Body body={archive.data.request.body} />
            </div>
            <div className="grid gap-2">
              <h3 className="font-medium">
                Response · HTTP {archive.data.response.status} {archive.data.response.truncated ? "(truncated)" : ""}
              </h3>
              <Body body={archive.data.response.body} />
            </div>
          </div>
        )}
      </SheetContent>
    </Sheet>
  );
}

/** Settings → PAT Requests: every governed Claude request, with the archive viewer. */
export function PatRequestsScreen() {
  const { role } = useIdentity();
  const canOpen = role === "owner" || role === "auditor";
  const [decision, setDecision] = React.useState(ALL);
  const list = usePatRequests({ decision: decision === ALL ? undefined : decision });
  const [open, setOpen] = React.useState<string | null>(null);
  return (
    <div className="grid grid-cols-1 gap-6">
      <PageHeader
        level={2}
        title="PAT Requests"
        description="Every Claude request through PAT Fortress: who, which PAT key and model, tokens, estimated cost, and the decision. Full prompts and answers are in the encrypted archive (owners and auditors)."
        actions={
          <Select value={decision} onValueChange={setDecision}>
            <SelectTrigger className="w-40" aria-label="Decision">
              <SelectValue />
            </SelectTrigger>
            <SelectContent>
              <SelectItem value={ALL}>All decisions</SelectItem>
              <SelectItem value="allow">Allowed</SelectItem>
              <SelectItem value="deny">Denied</SelectItem>
              <SelectItem value="error">Errors</SelectItem>
            </SelectContent>
          </Select>
        }
      />
      <Card className="gap-0 py-0">
        <Table>
          <TableHeader>
            <TableRow>
              <TableHead>When</TableHead>
              <TableHead>Who</TableHead>
              <TableHead>PAT key · model</TableHead>
              <TableHead>Result</TableHead>
              <TableHead className="text-right">Tokens in / out</TableHead>
              <TableHead className="text-right">Cost</TableHead>
              <TableHead className="text-right">Latency</TableHead>
              <TableHead className="text-right">Archive</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {list.isPending ? (
              <LoadingRows columns={COLUMNS} />
            ) : list.isError ? (
              <ErrorRow columns={COLUMNS} error={list.error} onRetry={() => void list.refetch()} />
            ) : list.items.length === 0 ? (
              <EmptyRow columns={COLUMNS}>No PAT requests yet.</EmptyRow>
            ) : (
              list.items.map((r) => (
                <TableRow key={r.id}>
                  <TableCell className="whitespace-nowrap text-xs">{formatDateTime(r.created_at)}</TableCell>
                  <TableCell>
                    {r.principal.label}
                    <div className="text-xs text-muted-foreground">{r.client_ip ?? ""}</div>
                  </TableCell>
                  <TableCell>
                    {r.pat_key?.label ?? "—"}
                    <div className="font-mono text-xs text-muted-foreground">
                      {r.model ?? r.endpoint}
                      {r.stream ? " · stream" : ""}
                    </div>
                  </TableCell>
                  <TableCell className="max-w-64">
                    <DecisionBadge r={r} />
                    {r.reason ? <div className="text-xs text-muted-foreground">{r.reason}</div> : null}
                  </TableCell>
                  <TableCell className="text-right text-xs">
                    {r.usage.input_tokens.toLocaleString()} / {r.usage.output_tokens.toLocaleString()}
                  </TableCell>
                  <TableCell className="text-right text-xs">{usd(r.cost_usd)}</TableCell>
                  <TableCell className="text-right text-xs">
                    {r.latency_ms ?? "—"} ms{r.ttft_ms !== null ? <div className="text-muted-foreground">TTFT {r.ttft_ms} ms</div> : null}
                  </TableCell>
                  <TableCell className="text-right">
                    {r.archive.status === "stored" && canOpen ? (
                      <Button variant="outline" size="sm" onClick={() => setOpen(r.id)}>
                        View
                      </Button>
                    ) : r.archive.status === "failed" ? (
                      <Badge variant="destructive" title={r.archive.error ?? undefined}>
                        write failed · retrying
                      </Badge>
                    ) : r.archive.status === "stored" ? (
                      <Badge variant="muted">stored</Badge>
                    ) : (
                      <span className="text-xs text-muted-foreground">—</span>
                    )}
                  </TableCell>
                </TableRow>
              ))
            )}
          </TableBody>
        </Table>
        <LoadMore hasNextPage={list.hasNextPage} isFetchingNextPage={list.isFetchingNextPage} fetchNextPage={list.fetchNextPage} />
      </Card>
      <ArchiveViewer id={open} onClose={() => setOpen(null)} />
    </div>
  );
}
