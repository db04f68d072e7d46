"use client";

import * as React from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { LoaderCircleIcon, MailIcon, TriangleAlertIcon, UserPlusIcon } from "lucide-react";
import { api } from "@/components/console/api";
import { FormError } from "@/components/console/data-states";
import { formatDateTime } from "@/components/console/format";
import { useIdentity } from "@/components/console/identity";
import { queryKeys } from "@/components/console/queries";
import { ROLE_DESCRIPTIONS, ROLE_LABELS, type ConsoleRole, type CreatedInvitation } from "@/components/console/types";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { CopyButton } from "@/components/ui/copy-button";
import {
  Dialog,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
  DialogTrigger,
} from "@/components/ui/dialog";
import { Input } from "@/components/ui/input";
import { Field, Label } from "@/components/ui/label";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";

export function InviteUserDialog() {
  const { role: myRole } = useIdentity();
  const qc = useQueryClient();
  const [open, setOpen] = React.useState(false);
  const [email, setEmail] = React.useState("");
  const [role, setRole] = React.useState<ConsoleRole>("member");
  const [created, setCreated] = React.useState<CreatedInvitation | null>(null);
  const roles: ConsoleRole[] = myRole === "owner" ? ["member", "auditor", "admin", "owner"] : ["member", "auditor", "admin"];

  const invite = useMutation({
    mutationFn: (body: { email: string; console_role: ConsoleRole }) =>
      api<CreatedInvitation>("/users", { method: "POST", body }),
    onSuccess: (res) => {
      setCreated(res);
      void qc.invalidateQueries({ queryKey: queryKeys.invitations });
    },
  });

  const onOpenChange = (next: boolean) => {
    if (next) {
      setEmail("");
      setRole("member");
      setCreated(null);
      invite.reset();
    } else {
      setTimeout(() => {
        setCreated(null);
        invite.reset();
      }, 250);
    }
    setOpen(next);
  };

  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogTrigger asChild>
        <Button>
          <UserPlusIcon aria-hidden />
          Invite user
        </Button>
      </DialogTrigger>
      <DialogContent className="sm:max-w-xl" onPointerDownOutside={(e) => created && e.preventDefault()}>
        {created ? (
          <>
            <DialogHeader>
              <DialogTitle>Invitation created</DialogTitle>
              <DialogDescription>
                Send this link to <span className="font-medium text-foreground">{created.email}</span>. They choose a password and
                join as {ROLE_LABELS[created.console_role].toLowerCase()}.
              </DialogDescription>
            </DialogHeader>
            <Alert variant="warning">
              <TriangleAlertIcon aria-hidden />
              <AlertTitle>This link is shown only once</AlertTitle>
              <AlertDescription>
                Anyone holding it can join your organisation. It expires {formatDateTime(created.expires_at)}.
              </AlertDescription>
            </Alert>
            <div className="grid gap-2">
              <Label htmlFor="invite-url">Invitation link</Label>
              <div className="flex flex-col gap-2 sm:flex-row sm:items-stretch">
                <output
                  id="invite-url"
                  data-testid="invite-url"
                  className="flex-1 rounded-md border bg-muted/60 px-3 py-2 font-mono text-[12.5px] leading-5 break-all select-all"
                >
                  {created.invite_url}
                </output>
                <CopyButton value={created.invite_url} label="Copy link" className="sm:h-auto" />
              </div>
            </div>
            <DialogFooter>
              <Button onClick={() => onOpenChange(false)}>Done</Button>
            </DialogFooter>
          </>
        ) : (
          <form
            className="grid gap-4"
            onSubmit={(e) => {
              e.preventDefault();
              if (!invite.isPending) invite.mutate({ email: email.trim(), console_role: role });
            }}
          >
            <DialogHeader>
              <DialogTitle>Invite user</DialogTitle>
              <DialogDescription>You get a link to pass on; it is valid for 7 days and works once.</DialogDescription>
            </DialogHeader>
            <Field label="Email" htmlFor="invite-email">
              <Input
                id="invite-email"
                type="email"
                value={email}
                onChange={(e) => setEmail(e.target.value)}
                required
                autoComplete="off"
                autoFocus
                placeholder="name@company.com"
              />
            </Field>
            <Field label="Role" htmlFor="invite-role" hint={ROLE_DESCRIPTIONS[role]}>
              <Select value={role} onValueChange={(v) => setRole(v as ConsoleRole)}>
                <SelectTrigger id="invite-role">
                  <SelectValue />
                </SelectTrigger>
                <SelectContent>
                  {roles.map((r) => (
                    <SelectItem key={r} value={r} description={ROLE_DESCRIPTIONS[r]}>
                      {ROLE_LABELS[r]}
                    </SelectItem>
                  ))}
                </SelectContent>
              </Select>
            </Field>
            <FormError error={invite.error} />
            <DialogFooter>
              <Button variant="outline" onClick={() => onOpenChange(false)}>
                Cancel
              </Button>
              <Button type="submit" disabled={invite.isPending || email.trim() === ""}>
                {invite.isPending ? <LoaderCircleIcon className="animate-spin" aria-hidden /> : <MailIcon aria-hidden />}
                Create invitation
              </Button>
            </DialogFooter>
          </form>
        )}
      </DialogContent>
    </Dialog>
  );
}
