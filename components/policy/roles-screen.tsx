"use client";

import * as React from "react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { LoaderCircleIcon, PlusIcon } from "lucide-react";
import { api } from "@/components/console/api";
import { EmptyRow, ErrorRow, FormError, LoadingRows } from "@/components/console/data-states";
import { formatDate, formatDateTime } from "@/components/console/format";
import { useIdentity } from "@/components/console/identity";
import { NoAccess } from "@/components/console/no-access";
import { canManageOrg, canReadOrg } from "@/components/console/types";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from "@/components/ui/dialog";
import { Input, Textarea } from "@/components/ui/input";
import { Field } from "@/components/ui/label";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { policyKeys, useRoles } from "./queries";
import type { Role } from "./types";

export function RolesScreen() {
  const { role } = useIdentity();
  if (!canReadOrg(role)) return <NoAccess what="Policy Radar" />;
  return <RolesList />;
}

function RolesList() {
  const { role } = useIdentity();
  const roles = useRoles();
  return (
    <div className="grid grid-cols-1 gap-4">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <p className="max-w-2xl text-sm text-muted-foreground">
          A role lists, for each connector action and PAT key, whether its holders may use it. Nothing is allowed unless a role allows
          it, and a Deny in any of a person&apos;s roles wins. Give roles to people in Settings → Users.
        </p>
        {canManageOrg(role) ? <AddRoleDialog /> : null}
      </div>
      <Card className="gap-0 py-0">
        <Table aria-label="Roles">
          <TableHeader>
            <TableRow className="hover:bg-transparent">
              <TableHead>Role</TableHead>
              <TableHead>Allows</TableHead>
              <TableHead>Explicit deny</TableHead>
              <TableHead className="hidden sm:table-cell">Holders</TableHead>
              <TableHead className="hidden md:table-cell">Changed</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {roles.isPending ? (
              <LoadingRows columns={5} />
            ) : roles.isError ? (
              <ErrorRow columns={5} error={roles.error} onRetry={() => void roles.refetch()} />
            ) : roles.data.length === 0 ? (
              <EmptyRow columns={5}>No roles yet, so nobody can use any connector or PAT key. Add a role to start.</EmptyRow>
            ) : (
              roles.data.map((r) => <RoleRow key={r.id} role={r} />)
            )}
          </TableBody>
        </Table>
      </Card>
    </div>
  );
}

function RoleRow({ role }: { role: Role }) {
  return (
    <TableRow>
      <TableCell className="max-w-96 whitespace-normal">
        <Link href={`/policy/roles/${role.id}`} className="font-medium text-primary underline-offset-4 hover:underline">
          {role.name}
        </Link>
        {role.description ? <p className="mt-0.5 line-clamp-2 text-xs text-muted-foreground">{role.description}</p> : null}
      </TableCell>
      <TableCell>
        <Badge variant="success">{role.counts.allowed} allowed</Badge>
      </TableCell>
      <TableCell>
        {role.counts.denied > 0 ? <Badge variant="destructive">{role.counts.denied} deny</Badge> : <span className="text-muted-foreground">—</span>}
      </TableCell>
      <TableCell className="hidden sm:table-cell">{role.counts.assignments}</TableCell>
      <TableCell className="hidden md:table-cell" title={formatDateTime(role.updated_at)}>
        {formatDate(role.updated_at)}
      </TableCell>
    </TableRow>
  );
}

function AddRoleDialog() {
  const qc = useQueryClient();
  const router = useRouter();
  const [open, setOpen] = React.useState(false);
  const [name, setName] = React.useState("");
  const [description, setDescription] = React.useState("");
  const create = useMutation({
    mutationFn: () => api<Role>("/roles", { method: "POST", body: { name: name.trim(), description: description.trim() || undefined } }),
    onSuccess: (role) => {
      void qc.invalidateQueries({ queryKey: policyKeys.roles });
      setOpen(false);
      router.push(`/policy/roles/${role.id}`);
    },
  });
  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        if (next) {
          setName("");
          setDescription("");
          create.reset();
        }
        setOpen(next);
      }}
    >
      <DialogTrigger asChild>
        <Button>
          <PlusIcon aria-hidden />
          Add role
        </Button>
      </DialogTrigger>
      <DialogContent>
        <form
          className="grid gap-4"
          onSubmit={(e) => {
            e.preventDefault();
            create.mutate();
          }}
        >
          <DialogHeader>
            <DialogTitle>Add role</DialogTitle>
            <DialogDescription>A new role allows nothing. You choose its permissions on the next screen.</DialogDescription>
          </DialogHeader>
          <Field label="Name" htmlFor="role-name" hint='e.g. "Support Agent", "Engineer", "Finance Manager"'>
            <Input id="role-name" value={name} onChange={(e) => setName(e.target.value)} maxLength={100} required autoFocus />
          </Field>
          <Field label="Description (optional)" htmlFor="role-description">
            <Textarea id="role-description" value={description} onChange={(e) => setDescription(e.target.value)} maxLength={500} rows={2} />
          </Field>
          <FormError error={create.error} />
          <DialogFooter>
            <Button type="submit" disabled={create.isPending || !name.trim()}>
              {create.isPending ? <LoaderCircleIcon className="animate-spin" aria-hidden /> : null}
              Create and edit permissions
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
