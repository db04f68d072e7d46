"use client";

import * as React from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { BotIcon, UserIcon } from "lucide-react";
import { api, errorMessage } from "@/components/console/api";
import { FormError } from "@/components/console/data-states";
import { useIdentity } from "@/components/console/identity";
import { useMembers, useServiceAccounts } from "@/components/console/queries";
import { canManageOrg } from "@/components/console/types";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Select, SelectContent, SelectGroup, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { useToast } from "@/components/ui/toast";
import { policyKeys, useAssignments } from "./queries";
import type { Role, SubjectKind } from "./types";

/** Who holds a role: people and service accounts (their API keys inherit it). */
export function RoleHolders({ role }: { role: Role }) {
  const { role: consoleRole } = useIdentity();
  const manage = canManageOrg(consoleRole);
  const qc = useQueryClient();
  const toast = useToast();
  const assignments = useAssignments();
  const members = useMembers();
  const accounts = useServiceAccounts();
  const [pick, setPick] = React.useState("");

  const holders = (assignments.data ?? []).filter((a) => a.role.id === role.id);
  const held = new Set(holders.map((h) => h.subject.id));
  const refresh = () =>
    Promise.all([
      qc.invalidateQueries({ queryKey: policyKeys.assignments }),
      qc.invalidateQueries({ queryKey: policyKeys.roles }),
      qc.invalidateQueries({ queryKey: policyKeys.role(role.id) }),
    ]);

  const add = useMutation({
    mutationFn: (value: string) => {
      const [kind, id] = value.split(":") as [SubjectKind, string];
      return api(`/roles/${role.id}/assignments`, { method: "POST", body: { kind, id } });
    },
    onSuccess: () => {
      setPick("");
      void refresh();
    },
  });
  const remove = useMutation({
    mutationFn: (subjectId: string) => api(`/roles/${role.id}/assignments/${subjectId}`, { method: "DELETE" }),
    onSuccess: () => void refresh(),
    onError: (err) => toast({ title: "Not removed", description: errorMessage(err), variant: "error" }),
  });

  return (
    <Card>
      <CardHeader>
        <CardTitle>Holders</CardTitle>
        <CardDescription>People and service accounts with this role. Their API keys get exactly these permissions.</CardDescription>
      </CardHeader>
      <CardContent className="grid gap-4">
        {holders.length === 0 ? (
          <p className="text-sm text-muted-foreground">Nobody holds this role yet.</p>
        ) : (
          <ul className="divide-y rounded-md border">
            {holders.map((h) => (
              <li key={h.subject.id} className="flex items-center justify-between gap-3 px-3 py-2 text-sm">
                <span className="flex min-w-0 items-center gap-2">
                  {h.subject.kind === "user" ? <UserIcon className="size-4 text-muted-foreground" aria-hidden /> : <BotIcon className="size-4 text-muted-foreground" aria-hidden />}
                  <span className="truncate">{h.subject.label}</span>
                </span>
                {manage ? (
                  <Button variant="ghost-destructive" size="sm" disabled={remove.isPending} onClick={() => remove.mutate(h.subject.id)}>
                    Remove<span className="sr-only"> {h.subject.label}</span>
                  </Button>
                ) : null}
              </li>
            ))}
          </ul>
        )}
        {manage ? (
          <div className="flex flex-wrap items-center gap-2">
            <Select value={pick} onValueChange={setPick}>
              <SelectTrigger className="w-72" aria-label="Person or service account to give this role">
                <SelectValue placeholder="Choose a person or service account" />
              </SelectTrigger>
              <SelectContent>
                <SelectGroup>
                  {members.items
                    .filter((m) => !held.has(m.id))
                    .map((m) => (
                      <SelectItem key={m.id} value={`user:${m.id}`}>
                        {m.email}
                      </SelectItem>
                    ))}
                </SelectGroup>
                <SelectGroup>
                  {accounts.items
                    .filter((s) => !held.has(s.id))
                    .map((s) => (
                      <SelectItem key={s.id} value={`service_account:${s.id}`} description="Service account">
                        {s.name}
                      </SelectItem>
                    ))}
                </SelectGroup>
              </SelectContent>
            </Select>
            <Button variant="outline" disabled={!pick || add.isPending} onClick={() => add.mutate(pick)}>
              Give role
            </Button>
          </div>
        ) : null}
        <FormError error={add.error} />
      </CardContent>
    </Card>
  );
}
