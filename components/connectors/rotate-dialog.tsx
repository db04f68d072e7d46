"use client";

import * as React from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { KeyRoundIcon, LoaderCircleIcon } from "lucide-react";
import { api } from "@/components/console/api";
import { FormError } from "@/components/console/data-states";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from "@/components/ui/dialog";
import { Input } from "@/components/ui/input";
import { Field } from "@/components/ui/label";
import { useToast } from "@/components/ui/toast";
import { connectorKeys, useConnectorTypes } from "./queries";
import type { Connector, TestOutcome } from "./types";

/** New credential for a connector: the old value is destroyed in the vault; ACTIVE/OFFLINE are re-tested. */
export function RotateDialog({ connector }: { connector: Connector }) {
  const qc = useQueryClient();
  const toast = useToast();
  const [open, setOpen] = React.useState(false);
  const [values, setValues] = React.useState<Record<string, string>>({});
  const types = useConnectorTypes(open);
  const type = types.data?.data.find((t) => t.type === connector.type);
  const rotate = useMutation({
    mutationFn: () =>
      api<TestOutcome>(`/connectors/${connector.id}/rotate`, {
        method: "POST",
        body: { credentials: Object.fromEntries(Object.entries(values).filter(([, v]) => v.trim() !== "")) },
      }),
    onSuccess: (r) => {
      setValues({});
      setOpen(false);
      void qc.invalidateQueries({ queryKey: connectorKeys.all });
      toast({ title: r.ok ? "Credential rotated" : "Credential rotated, but the test failed", description: r.error ?? connector.name });
    },
  });
  return (
    <Dialog
      open={open}
      onOpenChange={(o) => {
        setValues({});
        rotate.reset();
        setOpen(o);
      }}
    >
      <DialogTrigger asChild>
        <Button variant="outline">
          <KeyRoundIcon aria-hidden />
          Rotate
        </Button>
      </DialogTrigger>
      <DialogContent className="sm:max-w-lg">
        <form
          className="grid gap-4"
          onSubmit={(e) => {
            e.preventDefault();
            if (!rotate.isPending) rotate.mutate();
          }}
        >
          <DialogHeader>
            <DialogTitle>Rotate the credential of “{connector.name}”</DialogTitle>
            <DialogDescription>The current credential is destroyed when the new one is saved. This cannot be undone.</DialogDescription>
          </DialogHeader>
          {(type?.credential_fields ?? []).map((f) => (
            <Field key={f.name} label={`${f.label}${f.optional ? " (optional)" : ""}`} htmlFor={`rotate-${f.name}`} hint={f.help}>
              <Input
                id={`rotate-${f.name}`}
                type={f.secret ? "password" : "text"}
                autoComplete="new-password"
                value={values[f.name] ?? ""}
                onChange={(e) => setValues((v) => ({ ...v, [f.name]: e.target.value }))}
                required={!f.optional && f.secret}
              />
            </Field>
          ))}
          <FormError error={rotate.error ?? types.error} />
          <DialogFooter>
            <Button variant="outline" onClick={() => setOpen(false)}>
              Cancel
            </Button>
            <Button type="submit" disabled={rotate.isPending || !type}>
              {rotate.isPending ? <LoaderCircleIcon className="animate-spin" aria-hidden /> : <KeyRoundIcon aria-hidden />}
              Save new credential
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
