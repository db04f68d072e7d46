"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { KeyRoundIcon, ShieldAlertIcon, ShieldCheckIcon } from "lucide-react";
import { api, errorMessage } from "@/components/console/api";
import { formatDate, formatDateTime, formatRelative } from "@/components/console/format";
import { useIdentity } from "@/components/console/identity";
import { PageHeader } from "@/components/console/page-header";
import { canManageOrg } from "@/components/console/types";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import { KeyProviderForm } from "./key-provider-form";
import { KIND_LABELS, type EncryptionKeys, type KeyProviderTestResult } from "./types";

const TIER_NEEDS: Record<EncryptionKeys["tier"], string> = {
  SOHO: "Fortress manages the key. You may bring your own.",
  BANK: "Bank tier: credentials are stored only once your own key (AWS KMS or Vault Transit) is configured and its test passed.",
  ZERO_TRUST: "Zero Trust: credentials are protected by your external key service (XKS) and opened per session.",
};

function Row({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="grid gap-0.5 sm:grid-cols-[12rem_1fr] sm:gap-4">
      <dt className="text-sm text-muted-foreground">{label}</dt>
      <dd className="text-sm">{children}</dd>
    </div>
  );
}

export function EncryptionKeysScreen() {
  const identity = useIdentity();
  const qc = useQueryClient();
  const canEdit = canManageOrg(identity.role);
  const q = useQuery({ queryKey: ["encryption-keys"], queryFn: () => api<EncryptionKeys>("/encryption-keys") });
  const test = useMutation({
    mutationFn: () => api<KeyProviderTestResult>("/encryption-keys/test", { method: "POST" }),
    onSettled: () => void qc.invalidateQueries({ queryKey: ["encryption-keys"] }),
  });

  if (q.isPending) return <Skeleton className="h-64 w-full" />;
  if (q.isError)
    return (
      <Alert variant="destructive">
        <AlertTitle>Encryption keys could not be loaded</AlertTitle>
        <AlertDescription>{errorMessage(q.error)}</AlertDescription>
      </Alert>
    );
  const d = q.data;

  return (
    <div className="grid grid-cols-1 gap-6">
      <PageHeader level={2} title="Encryption keys" description={TIER_NEEDS[d.tier]} />

      {d.storing.allowed ? null : (
        <Alert variant="warning">
          <ShieldAlertIcon />
          <AlertTitle>Credentials cannot be stored yet</AlertTitle>
          <AlertDescription>{d.storing.reason}</AlertDescription>
        </Alert>
      )}

      <Card>
        <CardHeader>
          <CardTitle className="flex items-center gap-2">
            <KeyRoundIcon className="size-4 text-muted-foreground" aria-hidden /> {KIND_LABELS[d.provider.kind]}
          </CardTitle>
          <CardDescription className="break-all">{d.provider.display}</CardDescription>
        </CardHeader>
        <CardContent>
          <dl className="grid gap-3">
            <Row label="Last test">
              {d.test ? (
                <span className="flex flex-wrap items-center gap-2">
                  {d.test.ok ? <Badge variant="success">Passed</Badge> : <Badge variant="destructive">Failed</Badge>}
                  <span title={formatDateTime(d.test.tested_at)}>{formatRelative(d.test.tested_at)}</span>
                  {d.test.current ? null : <Badge variant="muted">Configuration changed since</Badge>}
                  {d.test.failure ? <span className="text-muted-foreground">{d.test.failure}</span> : null}
                </span>
              ) : (
                <span className="text-muted-foreground">Never tested</span>
              )}
            </Row>
            <Row label="New credentials use">{d.storing.provider_kind ? KIND_LABELS[d.storing.provider_kind] : "—"}</Row>
            <Row label="Credentials protected">
              {d.secrets.active}
              {Object.keys(d.secrets.by_provider).length > 1
                ? ` (${Object.entries(d.secrets.by_provider)
                    .map(([k, n]) => `${n} ${KIND_LABELS[k as keyof typeof KIND_LABELS] ?? k}`)
                    .join(", ")})`
                : null}
            </Row>
            <Row label="Service key">
              Version {d.service_key.current_version} · rotated {formatDate(d.service_key.last_rotation)} · next rotation{" "}
              {formatDate(d.service_key.next_rotation)} (every {d.service_key.rotation_days} days, automatic)
            </Row>
          </dl>
          {canEdit ? (
            <div className="mt-5 flex flex-wrap items-center gap-3">
              <Button variant="outline" onClick={() => test.mutate()} disabled={test.isPending}>
                {test.isPending ? "Testing…" : "Test key provider"}
              </Button>
              {test.data ? (
                test.data.ok ? (
                  <span className="flex items-center gap-1.5 text-sm text-success" role="status">
                    <ShieldCheckIcon className="size-4" aria-hidden /> Round trip passed in {test.data.latency_ms} ms
                  </span>
                ) : (
                  <span className="text-sm text-destructive" role="status">
                    Test failed: {test.data.failure?.message}
                  </span>
                )
              ) : test.isError ? (
                <span className="text-sm text-destructive">{errorMessage(test.error)}</span>
              ) : null}
            </div>
          ) : null}
        </CardContent>
      </Card>

      {canEdit ? (
        <Card>
          <CardHeader>
            <CardTitle>Configure</CardTitle>
            <CardDescription>Access credentials are stored encrypted and never shown again.</CardDescription>
          </CardHeader>
          <CardContent>
            <KeyProviderForm key={`${d.provider.kind}:${d.provider.config_version}`} current={d.provider} tier={d.tier} />
          </CardContent>
        </Card>
      ) : null}
    </div>
  );
}
