"use client";

import * as React from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { LoaderCircleIcon, PencilIcon } from "lucide-react";
import { api } from "@/components/console/api";
import { FormError } from "@/components/console/data-states";
import { policyKeys, useRoles } from "@/components/policy/queries";
import type { Assignment, SubjectKind } from "@/components/policy/types";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { useToast } from "@/components/ui/toast";

/**
 * The Policy Radar roles a person or service account holds (what their API keys may do), with a
 * dialog to change them. Settings → Users & Groups.
 */
export function SubjectRoles({
  subject,
  assignments,
  manage,
}: {
  subject: { kind: SubjectKind; id: string; label: string };
  assignments: Assignment[];
  manage: boolean;
}) {
  const held = assignments.filter((a) => a.subject.id === subject.id);
  const [open, setOpen] = React.useState(false);
  return (
    <div className="flex flex-wrap items-center gap-1">
      {held.length === 0 ? <span className="text-xs text-muted-foreground">No role</span> : held.map((a) => <Badge key={a.role.id} variant="secondary">{a.role.name}</Badge>)}
      {manage ? (
        <Button variant="ghost" size="icon-sm" onClick={() => setOpen(true)} aria-label={`Change policy roles of ${subject.label}`}>
          <PencilIcon aria-hidden />
        </Button>
      ) : null}
      {open ? <EditRolesDialog subject={subject} held={held.map((a) => a.role.id)} open={open} onOpenChange={setOpen} /> : null}
    </div>
  );
}

function EditRolesDialog({
  subject,
  held,
  open,
  onOpenChange,
}: {
  subject: { kind: SubjectKind; id: string; label: string };
  held: string[];
  open: boolean;
  onOpenChange: (open: boolean) => void;
}) {
  const roles = useRoles();
  const qc = useQueryClient();
  const toast = useToast();
  const [chosen, setChosen] = React.useState(() => new Set(held));
  const save = useMutation({
    mutationFn: async () => {
      const before = new Set(held);
      for (const id of chosen) if (!before.has(id)) await api(`/roles/${id}/assignments`, { method: "POST", body: { kind: subject.kind, id: subject.id } });
      for (const id of before) if (!chosen.has(id)) await api(`/roles/${id}/assignments/${subject.id}`, { method: "DELETE" });
    },
    onSuccess: () => {
      toast({ title: "Roles updated", description: subject.label });
      onOpenChange(false);
    },
    onSettled: () =>
      Promise.all([qc.invalidateQueries({ queryKey: policyKeys.assignments }), qc.invalidateQueries({ queryKey: policyKeys.roles })]),
  });
  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>Policy roles of {subject.label}</DialogTitle>
          <DialogDescription>
            What their API keys may use through MCP and PAT Fortress. Nothing is allowed without a role; a Deny in any role wins.
          </DialogDescription>
        </DialogHeader>
        {roles.isPending ? (
          <LoaderCircleIcon className="animate-spin" aria-hidden />
        ) : roles.isError ? (
          <FormError error={roles.error} />
        ) : roles.data.length === 0 ? (
          <p className="text-sm text-muted-foreground">No roles exist yet. Create one in Policy Radar → Roles.</p>
        ) : (
          <fieldset className="grid gap-2">
            <legend className="sr-only">Roles</legend>
            {roles.data.map((r) => (
              <label key={r.id} className="flex cursor-pointer items-start gap-3 rounded-md border p-3 text-sm hover:bg-accent/50">
                <input
                  type="checkbox"
                  className="mt-0.5 size-4 accent-[var(--color-primary)]"
                  checked={chosen.has(r.id)}
                  onChange={(e) =>
                    setChosen((prev) => {
                      const next = new Set(prev);
                      if (e.target.checked) next.add(r.id);
                      else next.delete(r.id);
                      return next;
                    })
                  }
                />
                <span className="grid gap-0.5">
                  <span className="font-medium">{r.name}</span>
                  <span className="text-xs text-muted-foreground">
                    {r.counts.allowed} allowed · {r.counts.denied} explicitly denied{r.description ? ` · ${r.description}` : ""}
                  </span>
                </span>
              </label>
            ))}
          </fieldset>
        )}
        <FormError error={save.error} />
        <DialogFooter>
          <Button variant="ghost" onClick={() => onOpenChange(false)}>
            Cancel
          </Button>
          <Button onClick={() => save.mutate()} disabled={save.isPending || roles.isPending}>
            {save.isPending ? <LoaderCircleIcon className="animate-spin" aria-hidden /> : null}
            Save roles
          </Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}
