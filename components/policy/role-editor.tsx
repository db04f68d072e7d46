"use client";

import * as React from "react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { ArrowLeftIcon, KeyRoundIcon, LoaderCircleIcon, PlugIcon, TriangleAlertIcon } from "lucide-react";
import { api } from "@/components/console/api";
import { ConfirmDialog, useConfirmTarget } from "@/components/console/confirm-dialog";
import { FormError } from "@/components/console/data-states";
import { useIdentity } from "@/components/console/identity";
import { NoAccess } from "@/components/console/no-access";
import { canManageOrg, canReadOrg } from "@/components/console/types";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { cn } from "@/components/ui/cn";
import { Input } from "@/components/ui/input";
import { Field } from "@/components/ui/label";
import { Skeleton } from "@/components/ui/skeleton";
import { useToast } from "@/components/ui/toast";
import { policyKeys, usePolicyResources, useRole } from "./queries";
import { RoleHolders } from "./role-holders";
import type { Effect, Grant, PolicyResources, Role } from "./types";

type Choice = Effect | "unset";
const keyOf = (g: Grant) => (g.kind === "connector_action" ? `c:${g.connector_id}:${g.action}` : `p:${g.pat_key_id}`);

function toMap(grants: Grant[]): Map<string, Effect> {
  return new Map(grants.map((g) => [keyOf(g), g.effect]));
}

function toGrants(map: Map<string, Effect>): Grant[] {
  return [...map].map(([k, effect]) => {
    if (k.startsWith("p:")) return { kind: "pat_key", pat_key_id: k.slice(2), effect };
    const [, connectorId, ...action] = k.split(":");
    return { kind: "connector_action", connector_id: connectorId, action: action.join(":"), effect };
  });
}

export function RoleEditor({ id }: { id: string }) {
  const { role } = useIdentity();
  if (!canReadOrg(role)) return <NoAccess what="Policy Radar" />;
  return <Editor id={id} />;
}

function Editor({ id }: { id: string }) {
  const role = useRole(id);
  const resources = usePolicyResources();
  if (role.isPending || resources.isPending) return <Skeleton className="h-64 w-full" />;
  if (role.isError) return <FormError error={role.error} />;
  if (resources.isError) return <FormError error={resources.error} />;
  return <EditorForm key={role.data.updated_at} role={role.data} resources={resources.data} />;
}

function EditorForm({ role, resources }: { role: Role; resources: PolicyResources }) {
  const { role: consoleRole } = useIdentity();
  const manage = canManageOrg(consoleRole);
  const qc = useQueryClient();
  const router = useRouter();
  const toast = useToast();
  const [name, setName] = React.useState(role.name);
  const [description, setDescription] = React.useState(role.description);
  const [grants, setGrants] = React.useState(() => toMap(role.grants));
  const deletion = useConfirmTarget<Role>();

  const original = React.useMemo(() => toMap(role.grants), [role.grants]);
  const dirty =
    name !== role.name ||
    description !== role.description ||
    grants.size !== original.size ||
    [...grants].some(([k, v]) => original.get(k) !== v);

  const set = (key: string, choice: Choice) =>
    setGrants((prev) => {
      const next = new Map(prev);
      if (choice === "unset") next.delete(key);
      else next.set(key, choice);
      return next;
    });

  // Counters as the product guide shows them: everything not allowed counts as denied.
  const allKeys = [
    ...resources.connectors.flatMap((c) => c.actions.map((a) => `c:${c.id}:${a.name}`)),
    ...resources.pat_keys.map((k) => `p:${k.id}`),
  ];
  const allowed = allKeys.filter((k) => grants.get(k) === "allow").length;
  const explicitDeny = allKeys.filter((k) => grants.get(k) === "deny").length;

  const save = useMutation({
    mutationFn: () =>
      api<Role>(`/roles/${role.id}`, { method: "PUT", body: { name: name.trim(), description: description.trim(), grants: toGrants(grants) } }),
    onSuccess: (saved) => {
      qc.setQueryData(policyKeys.role(role.id), saved);
      void qc.invalidateQueries({ queryKey: policyKeys.roles });
      toast({ title: "Role saved", description: `${saved.name}: applies to the next request` });
    },
  });

  return (
    <div className="grid grid-cols-1 gap-6 pb-20">
      <div>
        <Button asChild variant="ghost" size="sm">
          <Link href="/policy/roles">
            <ArrowLeftIcon aria-hidden />
            All roles
          </Link>
        </Button>
      </div>

      <Card>
        <CardContent className="grid gap-4 sm:grid-cols-2">
          <Field label="Role name" htmlFor="role-name">
            <Input id="role-name" value={name} onChange={(e) => setName(e.target.value)} maxLength={100} disabled={!manage} />
          </Field>
          <Field label="Description" htmlFor="role-description">
            <Input id="role-description" value={description} onChange={(e) => setDescription(e.target.value)} maxLength={500} disabled={!manage} />
          </Field>
        </CardContent>
      </Card>

      <div className="flex flex-wrap items-center gap-3 text-sm" aria-live="polite">
        <Badge variant="success" className="text-sm">{allowed} Allowed</Badge>
        <Badge variant="destructive" className="text-sm">{allKeys.length - allowed} Denied</Badge>
        <span className="text-muted-foreground">
          {explicitDeny > 0 ? `${explicitDeny} explicitly — these win over every other role. ` : ""}
          <strong className="font-medium text-foreground">Not set</strong> = denied unless another role allows it.{" "}
          <strong className="font-medium text-foreground">Deny</strong> = denied even if another role allows it.
        </span>
      </div>

      {resources.connectors.length === 0 && resources.pat_keys.length === 0 ? (
        <Card>
          <CardContent className="text-sm text-muted-foreground">
            No connectors or PAT keys yet. Add them in the Vault; their actions appear here to allow or deny.
          </CardContent>
        </Card>
      ) : null}

      {resources.connectors.map((c) => (
        <Card key={c.id} className="gap-0 py-0">
          <CardHeader className="flex flex-row flex-wrap items-center justify-between gap-2 border-b py-4">
            <div className="grid gap-1">
              <CardTitle className="flex items-center gap-2">
                <PlugIcon className="size-4 text-muted-foreground" aria-hidden />
                {c.name}
                {!c.enabled || c.status === "KILLED" ? <Badge variant="destructive">{c.status === "KILLED" ? "Killed" : "Disabled"}</Badge> : null}
              </CardTitle>
              <CardDescription>
                {c.actions.length} action{c.actions.length === 1 ? "" : "s"} · tools named <code className="text-xs">{c.slug}__…</code>
                {!c.enabled || c.status === "KILLED" ? " · nobody can use it while it is off, whatever this role says" : ""}
              </CardDescription>
            </div>
            {manage ? (
              <div className="flex gap-2">
                <Button variant="outline" size="sm" onClick={() => c.actions.forEach((a) => set(`c:${c.id}:${a.name}`, "allow"))}>
                  Allow all
                </Button>
                <Button variant="ghost" size="sm" onClick={() => c.actions.forEach((a) => set(`c:${c.id}:${a.name}`, "unset"))}>
                  Clear
                </Button>
              </div>
            ) : null}
          </CardHeader>
          <ul className="divide-y">
            {c.actions.map((a) => {
              const key = `c:${c.id}:${a.name}`;
              return (
                <li key={a.name} className="flex flex-wrap items-center justify-between gap-3 px-6 py-3">
                  <div className="grid min-w-0 gap-0.5">
                    <span className="flex flex-wrap items-center gap-2">
                      <code className="text-sm font-medium">{a.name}</code>
                      {a.destructive ? (
                        <Badge variant="destructive">
                          <TriangleAlertIcon aria-hidden />
                          Destructive
                        </Badge>
                      ) : null}
                      {a.read_only ? <Badge variant="muted">Read-only</Badge> : null}
                    </span>
                    {a.description ? <span className="text-sm text-muted-foreground">{a.description}</span> : null}
                  </div>
                  <EffectPicker label={`${c.slug}__${a.name}`} value={grants.get(key) ?? "unset"} onChange={(v) => set(key, v)} disabled={!manage} />
                </li>
              );
            })}
          </ul>
        </Card>
      ))}

      {resources.pat_keys.length > 0 ? (
        <Card className="gap-0 py-0">
          <CardHeader className="border-b py-4">
            <CardTitle className="flex items-center gap-2">
              <KeyRoundIcon className="size-4 text-muted-foreground" aria-hidden />
              Claude PAT keys
            </CardTitle>
            <CardDescription>Which of the organisation&apos;s Anthropic keys holders of this role may send requests through.</CardDescription>
          </CardHeader>
          <ul className="divide-y">
            {resources.pat_keys.map((k) => {
              const key = `p:${k.id}`;
              return (
                <li key={k.id} className="flex flex-wrap items-center justify-between gap-3 px-6 py-3">
                  <span className="flex items-center gap-2">
                    <span className="font-medium">{k.label}</span>
                    {!k.enabled ? <Badge variant="destructive">Disabled</Badge> : null}
                    {k.status === "ROTATED" ? <Badge variant="muted">Rotated</Badge> : null}
                  </span>
                  <EffectPicker label={`PAT key ${k.label}`} value={grants.get(key) ?? "unset"} onChange={(v) => set(key, v)} disabled={!manage} />
                </li>
              );
            })}
          </ul>
        </Card>
      ) : null}

      <RoleHolders role={role} />

      {manage ? (
        <Card className="border-destructive/30">
          <CardContent className="flex flex-wrap items-center justify-between gap-3">
            <div className="text-sm">
              <p className="font-medium">Delete this role</p>
              <p className="text-muted-foreground">Its holders lose what it allowed at once; rules scoped to it are removed too.</p>
            </div>
            <Button variant="outline" className="text-destructive" onClick={() => deletion.ask(role)}>
              Delete role
            </Button>
          </CardContent>
        </Card>
      ) : null}

      {manage && (dirty || save.error) ? (
        <div className="fixed inset-x-0 bottom-0 z-40 border-t bg-background/95 px-4 py-3 shadow-lg backdrop-blur md:pl-64">
          <div className="mx-auto flex max-w-5xl flex-wrap items-center justify-between gap-3">
            <div className="min-w-0 flex-1">
              {save.error ? <FormError error={save.error} /> : <span className="text-sm">You have unsaved changes to {role.name}.</span>}
            </div>
            <div className="flex gap-2">
              <Button
                variant="ghost"
                onClick={() => {
                  setName(role.name);
                  setDescription(role.description);
                  setGrants(toMap(role.grants));
                  save.reset();
                }}
              >
                Discard
              </Button>
              <Button onClick={() => save.mutate()} disabled={save.isPending || !name.trim()}>
                {save.isPending ? <LoaderCircleIcon className="animate-spin" aria-hidden /> : null}
                Save role
              </Button>
            </div>
          </div>
        </div>
      ) : null}

      <ConfirmDialog
        open={deletion.open}
        onOpenChange={deletion.setOpen}
        title={`Delete ${role.name}?`}
        description={`${role.counts.assignments} holder(s) lose every permission this role gave them, on the next request. This is recorded in the Change Log.`}
        confirmLabel="Delete role"
        onConfirm={async () => {
          await api(`/roles/${role.id}`, { method: "DELETE" });
          await qc.invalidateQueries({ queryKey: policyKeys.roles });
          toast({ title: "Role deleted", description: role.name });
          router.push("/policy/roles");
        }}
      />
    </div>
  );
}

const CHOICES: { value: Choice; label: string }[] = [
  { value: "allow", label: "Allow" },
  { value: "unset", label: "Not set" },
  { value: "deny", label: "Deny" },
];

/** Allow / Not set / Deny, as a radio group a keyboard can drive. */
function EffectPicker({ label, value, onChange, disabled }: { label: string; value: Choice; onChange: (v: Choice) => void; disabled?: boolean }) {
  return (
    <div role="radiogroup" aria-label={`Permission for ${label}`} className="inline-flex rounded-md border bg-muted/40 p-0.5">
      {CHOICES.map((c) => {
        const on = value === c.value;
        return (
          <button
            key={c.value}
            type="button"
            role="radio"
            aria-checked={on}
            disabled={disabled}
            onClick={() => onChange(c.value)}
            className={cn(
              "h-7 rounded px-3 text-xs font-medium transition-colors outline-none focus-visible:ring-[3px] focus-visible:ring-ring/50 disabled:cursor-not-allowed",
              !on && "text-muted-foreground hover:text-foreground",
              on && c.value === "allow" && "bg-success/15 text-success",
              on && c.value === "deny" && "bg-destructive/15 text-destructive",
              on && c.value === "unset" && "bg-background text-foreground shadow-xs",
            )}
          >
            {c.label}
          </button>
        );
      })}
    </div>
  );
}
