"use client";

import * as React from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { PlusIcon } from "lucide-react";
import { api, errorMessage } from "@/components/console/api";
import { ConfirmDialog, useConfirmTarget } from "@/components/console/confirm-dialog";
import { EmptyRow, ErrorRow, LoadingRows } from "@/components/console/data-states";
import { useIdentity } from "@/components/console/identity";
import { NoAccess } from "@/components/console/no-access";
import { useMembers, useServiceAccounts } from "@/components/console/queries";
import { canManageOrg, canReadOrg } from "@/components/console/types";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Switch } from "@/components/ui/switch";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { useToast } from "@/components/ui/toast";
import { policyKeys, usePolicyResources, useRoles, useRules } from "./queries";
import { CONDITION_META } from "./condition-meta";
import { RuleEditorDialog, ruleBody } from "./rule-editor";
import type { Rule } from "./types";

export function RulesScreen() {
  const { role } = useIdentity();
  if (!canReadOrg(role)) return <NoAccess what="Policy Radar" />;
  return <RulesList />;
}

function RulesList() {
  const { role } = useIdentity();
  const manage = canManageOrg(role);
  const rules = useRules();
  const roles = useRoles();
  const resources = usePolicyResources();
  const members = useMembers();
  const accounts = useServiceAccounts();
  const qc = useQueryClient();
  const toast = useToast();
  const [editing, setEditing] = React.useState<Rule | "new" | null>(null);
  const deletion = useConfirmTarget<Rule>();

  const toggle = useMutation({
    mutationFn: (rule: Rule) => api<Rule>(`/rules/${rule.id}`, { method: "PUT", body: { ...ruleBody(rule), enabled: !rule.enabled } }),
    onSuccess: (r) => toast({ title: r.enabled ? "Rule enabled" : "Rule disabled", description: r.name }),
    onError: (err) => toast({ title: "Rule not changed", description: errorMessage(err), variant: "error" }),
    onSettled: () => qc.invalidateQueries({ queryKey: policyKeys.rules }),
  });

  const roleName = (id: string) => roles.data?.find((r) => r.id === id)?.name ?? "a deleted role";
  const appliesTo = (r: Rule) =>
    r.scope.role_id
      ? `Role: ${roleName(r.scope.role_id)}`
      : r.scope.subject
        ? (members.items.find((m) => m.id === r.scope.subject!.id)?.email ??
          accounts.items.find((a) => a.id === r.scope.subject!.id)?.name ??
          "A former member")
        : "Everyone";
  const on = (r: Rule) => {
    if (r.target.pat_key_id) return `PAT key ${resources.data?.pat_keys.find((k) => k.id === r.target.pat_key_id)?.label ?? ""}`;
    if (r.target.connector_id) {
      const c = resources.data?.connectors.find((x) => x.id === r.target.connector_id);
      return r.target.action ? `${c?.slug ?? "?"}__${r.target.action}` : `All of ${c?.name ?? "a connector"}`;
    }
    return "Every connector and PAT key";
  };

  return (
    <div className="grid grid-cols-1 gap-4">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <p className="max-w-2xl text-sm text-muted-foreground">
          Rules add conditions on top of roles. They can only take permissions away: a request must pass every rule that applies to it,
          in this order. Disabled rules are ignored.
        </p>
        {manage ? (
          <Button onClick={() => setEditing("new")}>
            <PlusIcon aria-hidden />
            Add rule
          </Button>
        ) : null}
      </div>
      <Card className="gap-0 py-0">
        <Table aria-label="Conditional rules">
          <TableHeader>
            <TableRow className="hover:bg-transparent">
              <TableHead className="w-16">On</TableHead>
              <TableHead>Rule</TableHead>
              <TableHead className="hidden md:table-cell">Applies to</TableHead>
              <TableHead className="hidden lg:table-cell">For</TableHead>
              <TableHead className="text-right">
                <span className="sr-only">Actions</span>
              </TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {rules.isPending ? (
              <LoadingRows columns={5} />
            ) : rules.isError ? (
              <ErrorRow columns={5} error={rules.error} onRetry={() => void rules.refetch()} />
            ) : rules.data.length === 0 ? (
              <EmptyRow columns={5}>No conditional rules: roles alone decide.</EmptyRow>
            ) : (
              rules.data.map((r) => {
                const meta = CONDITION_META[r.condition.type];
                const Icon = meta.icon;
                return (
                  <TableRow key={r.id} className={r.enabled ? undefined : "opacity-60"}>
                    <TableCell>
                      <Switch
                        checked={r.enabled}
                        disabled={!manage || toggle.isPending}
                        onCheckedChange={() => toggle.mutate(r)}
                        aria-label={`${r.enabled ? "Disable" : "Enable"} rule ${r.name}`}
                      />
                    </TableCell>
                    <TableCell className="whitespace-normal">
                      <div className="flex items-center gap-2 font-medium">
                        <Icon className="size-4 text-muted-foreground" aria-hidden />
                        {r.name}
                        <Badge variant="muted">{meta.label}</Badge>
                      </div>
                      <p className="mt-0.5 text-sm text-muted-foreground">{r.summary}</p>
                    </TableCell>
                    <TableCell className="hidden md:table-cell">{appliesTo(r)}</TableCell>
                    <TableCell className="hidden lg:table-cell">{on(r)}</TableCell>
                    <TableCell className="text-right">
                      {manage ? (
                        <div className="flex justify-end gap-1">
                          <Button variant="ghost" size="sm" onClick={() => setEditing(r)}>
                            Edit<span className="sr-only"> {r.name}</span>
                          </Button>
                          <Button variant="ghost-destructive" size="sm" onClick={() => deletion.ask(r)}>
                            Delete<span className="sr-only"> {r.name}</span>
                          </Button>
                        </div>
                      ) : null}
                    </TableCell>
                  </TableRow>
                );
              })
            )}
          </TableBody>
        </Table>
      </Card>

      {editing ? <RuleEditorDialog rule={editing === "new" ? null : editing} onClose={() => setEditing(null)} /> : null}

      <ConfirmDialog
        open={deletion.open}
        onOpenChange={deletion.setOpen}
        title={`Delete rule ${deletion.target?.name ?? ""}?`}
        description="The condition stops applying on the next request. This is recorded in the Change Log."
        confirmLabel="Delete rule"
        onConfirm={async () => {
          const r = deletion.target;
          if (!r) return;
          await api(`/rules/${r.id}`, { method: "DELETE" });
          await qc.invalidateQueries({ queryKey: policyKeys.rules });
          toast({ title: "Rule deleted", description: r.name });
        }}
      />
    </div>
  );
}
