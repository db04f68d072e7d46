"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import * as React from "react";
import { api, errorMessage } from "@/components/console/api";
import { formatDateTime } from "@/components/console/format";
import { useIdentity } from "@/components/console/identity";
import { canManageOrg, type Page } from "@/components/console/types";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { useToast } from "@/components/ui/toast";
import type { Approval } from "./types";

/** Guarded changes waiting for a second admin. The requester sees theirs but cannot approve it. */
export function ApprovalsPanel() {
  const identity = useIdentity();
  const qc = useQueryClient();
  const toast = useToast();
  const [busy, setBusy] = React.useState<string | null>(null);
  const q = useQuery({ queryKey: ["approvals", "pending"], queryFn: () => api<Page<Approval>>("/approvals?status=pending&limit=50") });
  if (q.isPending || q.isError || q.data.data.length === 0) return null;

  const decide = async (a: Approval, verb: "approve" | "reject") => {
    setBusy(a.id);
    try {
      await api(`/approvals/${a.id}/${verb}`, { method: "POST", body: {} });
      toast({ title: verb === "approve" ? "Change approved and applied" : "Change rejected", description: a.summary });
      await qc.invalidateQueries();
    } catch (err) {
      toast({ title: "Could not record the decision", description: errorMessage(err) });
    } finally {
      setBusy(null);
    }
  };

  return (
    <Card className="gap-2 border-amber-500/40 px-5 py-4" aria-label="Pending approvals">
      <h2 className="font-medium">Waiting for approval ({q.data.data.length})</h2>
      <ul className="grid gap-2">
        {q.data.data.map((a) => {
          const own = a.requested_by.id === identity.user.id;
          return (
            <li key={a.id} className="flex flex-wrap items-center gap-2 border-t pt-2 text-sm">
              <Badge variant="outline">{a.kind}</Badge>
              <span className="font-medium">{a.summary}</span>
              <span className="text-xs text-muted-foreground">
                requested by {a.requested_by.label} · {formatDateTime(a.requested_at)}
              </span>
              <span className="ml-auto flex gap-2">
                {canManageOrg(identity.role) && !own ? (
                  <>
                    <Button size="sm" disabled={busy === a.id} onClick={() => void decide(a, "approve")}>Approve</Button>
                    <Button size="sm" variant="outline" disabled={busy === a.id} onClick={() => void decide(a, "reject")}>Reject</Button>
                  </>
                ) : own ? (
                  <span className="text-xs text-muted-foreground">Another admin must approve your request</span>
                ) : null}
              </span>
            </li>
          );
        })}
      </ul>
    </Card>
  );
}
