"use client";

import * as React from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { LoaderCircleIcon, PlusIcon } from "lucide-react";
import { api } from "@/components/console/api";
import { ConfirmDialog, useConfirmTarget } from "@/components/console/confirm-dialog";
import { EmptyRow, ErrorRow, FormError, LoadingRows } from "@/components/console/data-states";
import { formatDate, formatDateTime } from "@/components/console/format";
import { useIdentity } from "@/components/console/identity";
import { NoAccess } from "@/components/console/no-access";
import { PageHeader } from "@/components/console/page-header";
import { queryKeys, useServiceAccounts } from "@/components/console/queries";
import { canManageOrg, canReadOrg, type ServiceAccount } from "@/components/console/types";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import {
  Dialog,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
  DialogTrigger,
} from "@/components/ui/dialog";
import { Input, Textarea } from "@/components/ui/input";
import { Field } from "@/components/ui/label";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { useToast } from "@/components/ui/toast";
import { useAssignments } from "@/components/policy/queries";
import { SubjectRoles } from "@/components/users/user-roles";

function CreateServiceAccountDialog() {
  const qc = useQueryClient();
  const toast = useToast();
  const [open, setOpen] = React.useState(false);
  const [name, setName] = React.useState("");
  const [description, setDescription] = React.useState("");
  const create = useMutation({
    mutationFn: (body: { name: string; description?: string }) =>
      api<ServiceAccount>("/service-accounts", { method: "POST", body }),
    onSuccess: (sa) => {
      void qc.invalidateQueries({ queryKey: queryKeys.serviceAccounts });
      toast({ title: "Service account created", description: `Create an API key for “${sa.name}” under API Keys.` });
      setOpen(false);
    },
  });
  return (
    <Dialog
      open={open}
      onOpenChange={(o) => {
        if (o) {
          setName("");
          setDescription("");
          create.reset();
        }
        setOpen(o);
      }}
    >
      <DialogTrigger asChild>
        <Button>
          <PlusIcon aria-hidden />
          Create service account
        </Button>
      </DialogTrigger>
      <DialogContent>
        <form
          className="grid gap-4"
          onSubmit={(e) => {
            e.preventDefault();
            if (create.isPending) return;
            const d = description.trim();
            create.mutate({ name: name.trim(), ...(d ? { description: d } : {}) });
          }}
        >
          <DialogHeader>
            <DialogTitle>Create service account</DialogTitle>
            <DialogDescription>
              For a CI job, a bot or a shared integration: its API keys keep working when people leave.
            </DialogDescription>
          </DialogHeader>
          <Field label="Name" htmlFor="sa-name">
            <Input id="sa-name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} autoComplete="off" autoFocus />
          </Field>
          <Field label="Description" htmlFor="sa-description" hint="Optional. What uses it, and who to ask about it.">
            <Textarea id="sa-description" value={description} onChange={(e) => setDescription(e.target.value)} maxLength={500} rows={3} />
          </Field>
          <FormError error={create.error} />
          <DialogFooter>
            <Button variant="outline" onClick={() => setOpen(false)}>
              Cancel
            </Button>
            <Button type="submit" disabled={create.isPending || name.trim() === ""}>
              {create.isPending ? <LoaderCircleIcon className="animate-spin" aria-hidden /> : null}
              Create
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}

export function ServiceAccountsScreen() {
  const { role } = useIdentity();
  if (!canReadOrg(role)) return <NoAccess what="Service accounts" />;
  return <ServiceAccountsList />;
}

function ServiceAccountsList() {
  const { role } = useIdentity();
  const manage = canManageOrg(role);
  const accounts = useServiceAccounts();
  const assignments = useAssignments();
  const qc = useQueryClient();
  const toast = useToast();
  const deletion = useConfirmTarget<ServiceAccount>();

  return (
    <div className="grid grid-cols-1 gap-6">
      <PageHeader
        level={2}
        title="Service accounts"
        description="Non-human identities that hold API keys, such as a CI pipeline or an internal bot."
        actions={manage ? <CreateServiceAccountDialog /> : null}
      />
      <Card className="gap-0 py-0">
        <Table aria-label="Service accounts">
          <TableHeader>
            <TableRow className="hover:bg-transparent">
              <TableHead>Name</TableHead>
              <TableHead className="hidden sm:table-cell">Description</TableHead>
              <TableHead>Policy roles</TableHead>
              <TableHead className="hidden md:table-cell">Created</TableHead>
              <TableHead className="text-right">
                <span className="sr-only">Actions</span>
              </TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {accounts.isPending ? (
              <LoadingRows columns={5} />
            ) : accounts.isError ? (
              <ErrorRow columns={5} error={accounts.error} onRetry={() => void accounts.refetch()} />
            ) : accounts.items.length === 0 ? (
              <EmptyRow columns={5}>No service accounts yet.</EmptyRow>
            ) : (
              accounts.items.map((sa) => (
                <TableRow key={sa.id}>
                  <TableCell className="max-w-56 truncate font-medium" title={sa.name}>
                    {sa.name}
                  </TableCell>
                  <TableCell className="hidden max-w-md truncate text-muted-foreground sm:table-cell" title={sa.description ?? undefined}>
                    {sa.description || "—"}
                  </TableCell>
                  <TableCell className="whitespace-normal">
                    <SubjectRoles subject={{ kind: "service_account", id: sa.id, label: sa.name }} assignments={assignments.data ?? []} manage={manage} />
                  </TableCell>
                  <TableCell className="hidden md:table-cell" title={formatDateTime(sa.created_at)}>{formatDate(sa.created_at)}</TableCell>
                  <TableCell className="text-right">
                    {manage ? (
                      <Button variant="ghost-destructive" size="sm" onClick={() => deletion.ask(sa)}>
                        Delete<span className="sr-only"> {sa.name}</span>
                      </Button>
                    ) : null}
                  </TableCell>
                </TableRow>
              ))
            )}
          </TableBody>
        </Table>
      </Card>
      <ConfirmDialog
        open={deletion.open}
        onOpenChange={deletion.setOpen}
        title={`Delete “${deletion.target?.name ?? ""}”?`}
        description="The service account is deleted and its API keys stop working. This cannot be undone."
        confirmLabel="Delete service account"
        onConfirm={async () => {
          const sa = deletion.target;
          if (!sa) return;
          await api(`/service-accounts/${sa.id}`, { method: "DELETE" });
          await Promise.all([
            qc.invalidateQueries({ queryKey: queryKeys.serviceAccounts }),
            qc.invalidateQueries({ queryKey: queryKeys.apiKeys }),
          ]);
          toast({ title: "Service account deleted", description: sa.name });
        }}
      />
    </div>
  );
}
