"use client";

import { useQuery } from "@tanstack/react-query";
import { ShieldAlertIcon, ShieldCheckIcon } from "lucide-react";
import { api, errorMessage } from "@/components/console/api";
import { formatDateTime } from "@/components/console/format";
import { Badge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { CopyButton } from "@/components/ui/copy-button";
import type { ChainStatus } from "./types";

/** The audit chains' integrity, checked by the server on each view. */
export function ChainStatusCard() {
  const q = useQuery({ queryKey: ["audit-status"], queryFn: () => api<ChainStatus>("/audit/status"), refetchInterval: 60_000 });
  return (
    <Card className="gap-3 px-5 py-4" aria-label="Chain status">
      {q.isPending ? (
        <span className="text-sm text-muted-foreground">Verifying the audit chain…</span>
      ) : q.isError ? (
        <span role="alert" className="text-sm text-destructive">{errorMessage(q.error)}</span>
      ) : (
        <>
          <div className="flex flex-wrap items-center gap-2">
            {q.data.ok ? (
              <ShieldCheckIcon className="size-5 text-success" aria-hidden />
            ) : (
              <ShieldAlertIcon className="size-5 text-destructive" aria-hidden />
            )}
            <span className="font-medium">{q.data.ok ? "Chain intact" : "Chain broken"}</span>
            <span className="text-xs text-muted-foreground">checked {formatDateTime(q.data.checked_at)}</span>
            <span className="ml-auto flex items-center gap-2 text-xs text-muted-foreground">
              Signing key <code>{q.data.key_id}</code>
              <CopyButton value={q.data.public_key_pem} label="Copy public key" size="sm" variant="outline" />
            </span>
          </div>
          <div className="grid gap-1 text-sm sm:grid-cols-2">
            {q.data.streams.map((s) => (
              <div key={s.stream} className="flex flex-wrap items-center gap-2">
                <span className="w-24 text-muted-foreground">{s.stream === "events" ? "Audit events" : "Change Log"}</span>
                <Badge variant={s.ok ? "success" : "destructive"}>{s.ok ? `${s.rows} rows verified` : `first bad row: ${s.first_bad_seq ?? "?"}`}</Badge>
                {s.problem ? <span className="text-xs text-destructive">{s.problem}</span> : null}
                {s.last_checkpoint ? (
                  <span className="text-xs text-muted-foreground">
                    signed checkpoint at #{s.last_checkpoint.seq}, {formatDateTime(s.last_checkpoint.signed_at)}
                  </span>
                ) : (
                  <span className="text-xs text-muted-foreground">no checkpoint yet</span>
                )}
              </div>
            ))}
          </div>
        </>
      )}
    </Card>
  );
}
