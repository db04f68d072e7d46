"use client";

import * as React from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { KeyRoundIcon, LoaderCircleIcon, PlusIcon, TriangleAlertIcon } from "lucide-react";
import { api } from "@/components/console/api";
import { FormError } from "@/components/console/data-states";
import { useIdentity } from "@/components/console/identity";
import { queryKeys, useServiceAccounts } from "@/components/console/queries";
import { canManageOrg, type CreatedApiKey } from "@/components/console/types";
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

const ME = "me";

/** Create a key; the full key is shown once, then forgotten (state cleared, mutation reset). */
export function CreateApiKeyDialog() {
  const { role } = useIdentity();
  const manage = canManageOrg(role);
  const qc = useQueryClient();
  const [open, setOpen] = React.useState(false);
  const [name, setName] = React.useState("");
  const [owner, setOwner] = React.useState(ME);
  const [created, setCreated] = React.useState<{ key: string; name: string; owner: string } | null>(null);
  const serviceAccounts = useServiceAccounts(manage && open);

  const create = useMutation({
    mutationFn: (body: { name: string; service_account_id?: string }) =>
      api<CreatedApiKey>("/api-keys", { method: "POST", body }),
    onSuccess: (res) => {
      setCreated({ key: res.key, name: res.name, owner: res.owner.label });
      void qc.invalidateQueries({ queryKey: queryKeys.apiKeys });
    },
  });

  const onOpenChange = (next: boolean) => {
    if (next) {
      setName("");
      setOwner(ME);
      setCreated(null);
      create.reset();
    } else {
      // Let the closing animation finish, then drop the key from memory.
      setTimeout(() => {
        setCreated(null);
        create.reset();
      }, 250);
    }
    setOpen(next);
  };

  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogTrigger asChild>
        <Button>
          <PlusIcon aria-hidden />
          Create API key
        </Button>
      </DialogTrigger>
      <DialogContent
        className="sm:max-w-xl"
        // Once the key is on screen, a stray click outside must not throw it away.
        onPointerDownOutside={(e) => created && e.preventDefault()}
      >
        {created ? (
          <>
            <DialogHeader>
              <DialogTitle>Save your API key</DialogTitle>
              <DialogDescription>
                “{created.name}” for {created.owner}. Use it wherever the key is asked for; Fortress stores only a hash of it.
              </DialogDescription>
            </DialogHeader>
            <Alert variant="warning">
              <TriangleAlertIcon aria-hidden />
              <AlertTitle>You will not see this key again</AlertTitle>
              <AlertDescription>
                Copy it now and keep it in a secret manager. If it is lost, revoke it and create a new one.
              </AlertDescription>
            </Alert>
            <div className="grid gap-2">
              <Label htmlFor="new-api-key">Your new API key</Label>
              <div className="flex flex-col gap-2 sm:flex-row sm:items-stretch">
                <output
                  id="new-api-key"
                  data-testid="new-api-key"
                  className="flex-1 rounded-md border bg-muted/60 px-3 py-2 font-mono text-[13px] leading-5 break-all select-all"
                >
                  {created.key}
                </output>
                <CopyButton value={created.key} label="Copy key" className="sm:h-auto" />
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
              if (create.isPending) return;
              create.mutate({ name: name.trim(), ...(owner !== ME ? { service_account_id: owner } : {}) });
            }}
          >
            <DialogHeader>
              <DialogTitle>Create API key</DialogTitle>
              <DialogDescription>
                A key lets an AI assistant or a script reach Fortress as its owner. Name it after where it will be used.
              </DialogDescription>
            </DialogHeader>
            <Field label="Key name" htmlFor="key-name" hint="For example “Claude Desktop – laptop” or “CI deploy bot”.">
              <Input
                id="key-name"
                value={name}
                onChange={(e) => setName(e.target.value)}
                required
                maxLength={100}
                autoComplete="off"
                autoFocus
              />
            </Field>
            {manage ? (
              <Field
                label="Owner"
                htmlFor="key-owner"
                hint={
                  serviceAccounts.items.length === 0 && !serviceAccounts.isLoading
                    ? "Keys for machines belong to a service account: create one under Service Accounts."
                    : "A service account's key keeps working when people leave."
                }
              >
                <Select value={owner} onValueChange={setOwner}>
                  <SelectTrigger id="key-owner">
                    <SelectValue />
                  </SelectTrigger>
                  <SelectContent>
                    <SelectItem value={ME}>Me</SelectItem>
                    {serviceAccounts.items.map((sa) => (
                      <SelectItem key={sa.id} value={sa.id} description="Service account">
                        {sa.name}
                      </SelectItem>
                    ))}
                  </SelectContent>
                </Select>
              </Field>
            ) : null}
            <FormError error={create.error} />
            <DialogFooter>
              <Button variant="outline" onClick={() => onOpenChange(false)}>
                Cancel
              </Button>
              <Button type="submit" disabled={create.isPending || name.trim() === ""}>
                {create.isPending ? <LoaderCircleIcon className="animate-spin" aria-hidden /> : <KeyRoundIcon aria-hidden />}
                Create key
              </Button>
            </DialogFooter>
          </form>
        )}
      </DialogContent>
    </Dialog>
  );
}
