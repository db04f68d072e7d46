"use client";

import * as React from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, errorMessage } from "@/components/console/api";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Input, Textarea } from "@/components/ui/input";
import { Field } from "@/components/ui/label";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { useToast } from "@/components/ui/toast";
import { KIND_LABELS, type EncryptionKeys, type KeyProviderKind } from "./types";

interface FieldSpec {
  name: string;
  label: string;
  secret?: boolean;
  optional?: boolean;
  multiline?: boolean;
  placeholder?: string;
  hint?: string;
}

// Field names are the API's (camelCase, as in the provider configuration schema).
const FIELDS: Record<Exclude<KeyProviderKind, "local">, FieldSpec[]> = {
  aws_kms: [
    { name: "keyArn", label: "Key ARN", placeholder: "arn:aws:kms:eu-west-1:111122223333:key/…" },
    { name: "region", label: "Region", placeholder: "eu-west-1" },
    { name: "roleArn", label: "Role to assume", optional: true, placeholder: "arn:aws:iam::111122223333:role/fortress" },
    { name: "accessKeyId", label: "Access key id", optional: true, hint: "Leave both empty to use the instance role." },
    { name: "secretAccessKey", label: "Secret access key", secret: true, optional: true },
  ],
  vault_transit: [
    { name: "address", label: "Vault address", placeholder: "https://vault.example.com:8200" },
    { name: "mount", label: "Transit mount", placeholder: "transit" },
    { name: "keyName", label: "Key name", placeholder: "fortress" },
    { name: "namespace", label: "Namespace", optional: true },
    { name: "token", label: "Token", secret: true, hint: "A token whose policy allows encrypt and decrypt on this key only." },
  ],
  xks: [
    { name: "uriEndpoint", label: "XKS proxy endpoint", placeholder: "https://xks.example.com/kms/xks/v1" },
    { name: "keyId", label: "External key id" },
    { name: "accessKeyId", label: "Access key id (SigV4)" },
    { name: "secretAccessKey", label: "Secret access key (SigV4)", secret: true },
  ],
};

export function KeyProviderForm({ current, tier }: { current: EncryptionKeys["provider"]; tier: EncryptionKeys["tier"] }) {
  const qc = useQueryClient();
  const toast = useToast();
  const [kind, setKind] = React.useState<KeyProviderKind>(current.kind);
  const [values, setValues] = React.useState<Record<string, string>>(() =>
    Object.fromEntries(Object.entries(current.config).filter(([, v]) => typeof v === "string") as [string, string][]),
  );
  const kinds: KeyProviderKind[] = tier === "ZERO_TRUST" ? ["xks", "local"] : ["local", "aws_kms", "vault_transit", "xks"];

  const save = useMutation({
    mutationFn: () => {
      const body: Record<string, unknown> = { kind };
      if (kind !== "local") {
        for (const f of FIELDS[kind]) {
          const v = (values[f.name] ?? "").trim();
          if (v) body[f.name] = v;
        }
      }
      return api<EncryptionKeys>("/encryption-keys", { method: "PUT", body });
    },
    onSuccess: (data) => {
      qc.setQueryData(["encryption-keys"], data);
      // Secrets typed into the form do not linger in it.
      setValues((v) => Object.fromEntries(Object.entries(v).filter(([k]) => !isSecretField(k))));
      toast({ title: "Key provider saved", description: "Run the test before credentials can use it." });
    },
  });

  const isSecretField = (name: string) => kind !== "local" && FIELDS[kind].some((f) => f.name === name && f.secret);

  return (
    <form
      className="grid gap-4"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate();
      }}
    >
      <Field label="Key provider" htmlFor="kp-kind">
        <Select value={kind} onValueChange={(v) => setKind(v as KeyProviderKind)}>
          <SelectTrigger id="kp-kind" className="sm:w-96">
            <SelectValue />
          </SelectTrigger>
          <SelectContent>
            {kinds.map((k) => (
              <SelectItem key={k} value={k}>
                {KIND_LABELS[k]}
              </SelectItem>
            ))}
          </SelectContent>
        </Select>
      </Field>
      {kind === "local" ? (
        <p className="text-sm text-muted-foreground">
          Credentials are encrypted with a key Fortress manages and rotates every few months. Bank and Zero Trust organisations need
          their own key.
        </p>
      ) : (
        <div className="grid gap-4 sm:grid-cols-2">
          {FIELDS[kind].map((f) => {
            const id = `kp-${f.name}`;
            const Control = f.multiline ? Textarea : Input;
            return (
              <Field
                key={f.name}
                htmlFor={id}
                label={`${f.label}${f.optional ? " (optional)" : ""}`}
                hint={f.secret && current.credentials_set && current.kind === kind ? "Stored encrypted. Enter it again to save changes." : f.hint}
              >
                <Control
                  id={id}
                  type={f.secret ? "password" : "text"}
                  autoComplete={f.secret ? "new-password" : "off"}
                  spellCheck={false}
                  placeholder={f.placeholder}
                  value={values[f.name] ?? ""}
                  onChange={(e: React.ChangeEvent<HTMLInputElement & HTMLTextAreaElement>) => setValues((v) => ({ ...v, [f.name]: e.target.value }))}
                />
              </Field>
            );
          })}
        </div>
      )}
      {save.isError ? (
        <Alert variant="destructive">
          <AlertDescription>{errorMessage(save.error)}</AlertDescription>
        </Alert>
      ) : null}
      <div>
        <Button type="submit" disabled={save.isPending}>
          {save.isPending ? "Saving…" : "Save key provider"}
        </Button>
      </div>
    </form>
  );
}
