"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { api, errorMessage } from "@/components/console/api";
import { ConfirmDialog, useConfirmTarget } from "@/components/console/confirm-dialog";
import { EmptyRow, ErrorRow, LoadingRows } from "@/components/console/data-states";
import { formatDate, formatDateTime } from "@/components/console/format";
import { useIdentity } from "@/components/console/identity";
import { PageHeader } from "@/components/console/page-header";
import { queryKeys, useInvitations, useMembers } from "@/components/console/queries";
import {
  canManageOrg,
  canReadOrg,
  ROLE_DESCRIPTIONS,
  ROLE_LABELS,
  type ConsoleRole,
  type Invitation,
  type Member,
} from "@/components/console/types";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { NoAccess } from "@/components/console/no-access";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { useToast } from "@/components/ui/toast";
import { useAssignments } from "@/components/policy/queries";
import { InviteUserDialog } from "./invite-user-dialog";
import { SubjectRoles } from "./user-roles";

const ALL_ROLES: ConsoleRole[] = ["owner", "admin", "auditor", "member"];

export function UsersScreen() {
  const identity = useIdentity();
  if (!canReadOrg(identity.role)) return <NoAccess what="Users" />;
  return <UsersAndInvitations />;
}

function UsersAndInvitations() {
  const identity = useIdentity();
  const manage = canManageOrg(identity.role);
  const members = useMembers();
  const invitations = useInvitations();
  const assignments = useAssignments();
  const qc = useQueryClient();
  const router = useRouter();
  const toast = useToast();
  const removal = useConfirmTarget<Member>();
  const revocation = useConfirmTarget<Invitation>();

  const changeRole = useMutation({
    mutationFn: ({ member, role }: { member: Member; role: ConsoleRole }) =>
      api<Member>(`/users/${member.id}`, { method: "PATCH", body: { console_role: role } }),
    onSuccess: (res, { member }) => {
      toast({ title: "Role changed", description: `${res.email} is now ${ROLE_LABELS[res.console_role].toLowerCase()}` });
      if (member.id === identity.user.id) router.refresh();
    },
    onError: (err) => toast({ title: "Role not changed", description: errorMessage(err), variant: "error" }),
    onSettled: () => qc.invalidateQueries({ queryKey: queryKeys.members }),
  });

  // An admin cannot touch owners or grant ownership; only owners can.
  const editable = (m: Member) => manage && (identity.role === "owner" || m.console_role !== "owner");
  const grantable = identity.role === "owner" ? ALL_ROLES : ALL_ROLES.filter((r) => r !== "owner");
  const removable = (m: Member) => editable(m) && m.id !== identity.user.id;

  return (
    <div className="grid grid-cols-1 gap-6">
      <PageHeader
        level={2}
        title="Users"
        description="People who can sign in to this console, and the policy roles that decide what their API keys may use. Removing someone revokes their API keys at once."
        actions={manage ? <InviteUserDialog /> : null}
      />

      <Card className="gap-0 py-0">
        <Table aria-label="Members">
          <TableHeader>
            <TableRow className="hover:bg-transparent">
              <TableHead>Email</TableHead>
              <TableHead className="hidden md:table-cell">Name</TableHead>
              <TableHead>Role</TableHead>
              <TableHead>Policy roles</TableHead>
              <TableHead className="hidden sm:table-cell">Joined</TableHead>
              <TableHead className="text-right">
                <span className="sr-only">Actions</span>
              </TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {members.isPending ? (
              <LoadingRows columns={6} />
            ) : members.isError ? (
              <ErrorRow columns={6} error={members.error} onRetry={() => void members.refetch()} />
            ) : members.items.length === 0 ? (
              <EmptyRow columns={6}>No members.</EmptyRow>
            ) : (
              members.items.map((m) => (
                <TableRow key={m.id}>
                  <TableCell className="max-w-72 font-medium">
                    <span className="flex items-center gap-2">
                      <span className="truncate" title={m.email}>
                        {m.email}
                      </span>
                      {m.id === identity.user.id ? <Badge variant="secondary">You</Badge> : null}
                    </span>
                  </TableCell>
                  <TableCell className="hidden max-w-48 truncate md:table-cell">
                    {m.name || <span className="text-muted-foreground">—</span>}
                  </TableCell>
                  <TableCell>
                    {editable(m) ? (
                      <Select
                        value={m.console_role}
                        disabled={changeRole.isPending && changeRole.variables?.member.id === m.id}
                        onValueChange={(v) => changeRole.mutate({ member: m, role: v as ConsoleRole })}
                      >
                        <SelectTrigger size="sm" className="w-32" aria-label={`Role of ${m.email}`}>
                          <SelectValue />
                        </SelectTrigger>
                        <SelectContent>
                          {grantable.map((r) => (
                            <SelectItem key={r} value={r} description={ROLE_DESCRIPTIONS[r]}>
                              {ROLE_LABELS[r]}
                            </SelectItem>
                          ))}
                        </SelectContent>
                      </Select>
                    ) : (
                      <Badge variant={m.console_role === "owner" ? "default" : "secondary"}>{ROLE_LABELS[m.console_role]}</Badge>
                    )}
                  </TableCell>
                  <TableCell className="whitespace-normal">
                    <SubjectRoles subject={{ kind: "user", id: m.id, label: m.email }} assignments={assignments.data ?? []} manage={manage} />
                  </TableCell>
                  <TableCell className="hidden sm:table-cell" title={formatDateTime(m.joined_at)}>{formatDate(m.joined_at)}</TableCell>
                  <TableCell className="text-right">
                    {removable(m) ? (
                      <Button variant="ghost-destructive" size="sm" onClick={() => removal.ask(m)}>
                        Remove<span className="sr-only"> {m.email}</span>
                      </Button>
                    ) : null}
                  </TableCell>
                </TableRow>
              ))
            )}
          </TableBody>
        </Table>
      </Card>

      <Card className="gap-0 pb-0">
        <CardHeader className="pb-4">
          <CardTitle>Pending invitations</CardTitle>
          <CardDescription>Links that have not been used yet. Revoke one to make its link stop working.</CardDescription>
        </CardHeader>
        <Table aria-label="Pending invitations">
          <TableHeader>
            <TableRow className="border-t hover:bg-transparent">
              <TableHead>Email</TableHead>
              <TableHead>Role</TableHead>
              <TableHead className="hidden md:table-cell">Invited</TableHead>
              <TableHead>Expires</TableHead>
              <TableHead className="text-right">
                <span className="sr-only">Actions</span>
              </TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {invitations.isPending ? (
              <LoadingRows columns={5} rows={1} />
            ) : invitations.isError ? (
              <ErrorRow columns={5} error={invitations.error} onRetry={() => void invitations.refetch()} />
            ) : invitations.items.length === 0 ? (
              <EmptyRow columns={5}>No pending invitations.</EmptyRow>
            ) : (
              invitations.items.map((inv) => (
                <TableRow key={inv.id}>
                  <TableCell className="max-w-72 truncate font-medium" title={inv.email}>
                    {inv.email}
                  </TableCell>
                  <TableCell>
                    <Badge variant="secondary">{ROLE_LABELS[inv.console_role]}</Badge>
                  </TableCell>
                  <TableCell className="hidden md:table-cell" title={formatDateTime(inv.created_at)}>{formatDate(inv.created_at)}</TableCell>
                  <TableCell title={formatDateTime(inv.expires_at)}>{formatDate(inv.expires_at)}</TableCell>
                  <TableCell className="text-right">
                    {manage ? (
                      <Button variant="ghost-destructive" size="sm" onClick={() => revocation.ask(inv)}>
                        Revoke<span className="sr-only"> invitation for {inv.email}</span>
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
        open={removal.open}
        onOpenChange={removal.setOpen}
        title={`Remove ${removal.target?.email ?? ""}?`}
        description="They lose access to this console at once, and their API keys stop working. They can rejoin only with a new invitation."
        confirmLabel="Remove member"
        onConfirm={async () => {
          const m = removal.target;
          if (!m) return;
          await api(`/users/${m.id}`, { method: "DELETE" });
          await Promise.all([
            qc.invalidateQueries({ queryKey: queryKeys.members }),
            qc.invalidateQueries({ queryKey: queryKeys.apiKeys }),
          ]);
          toast({ title: "Member removed", description: m.email });
        }}
      />
      <ConfirmDialog
        open={revocation.open}
        onOpenChange={revocation.setOpen}
        title="Revoke invitation?"
        description={`The link sent to ${revocation.target?.email ?? ""} stops working. You can invite them again later.`}
        confirmLabel="Revoke invitation"
        onConfirm={async () => {
          const inv = revocation.target;
          if (!inv) return;
          await api(`/invitations/${inv.id}`, { method: "DELETE" });
          await qc.invalidateQueries({ queryKey: queryKeys.invitations });
          toast({ title: "Invitation revoked", description: inv.email });
        }}
      />
    </div>
  );
}
