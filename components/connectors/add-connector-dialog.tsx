"use client";

import * as React from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { ArrowLeftIcon, CircleCheckIcon, LoaderCircleIcon, PlugZapIcon, PlusIcon, TriangleAlertIcon } from "lucide-react";
import { useRouter } from "next/navigation";
import { api } from "@/components/console/api";
import { FormError } from "@/components/console/data-states";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from "@/components/ui/dialog";
import { Input } from "@/components/ui/input";
import { Field } from "@/components/ui/label";
import { connectorKeys, useConnectorTypes } from "./queries";
import type { Connector, ConnectorTypeView, FieldDef, TestOutcome } from "./types";

type Values = Record<string, string>;

function FieldInput({ prefix, field, value, onChange }: { prefix: string; field: FieldDef; value: string; onChange: (v: string) => void }) {
  const id = `${prefix}-${field.name}`;
  const multiline = field.name === "private_key";
  return (
    <Field label={`${field.label}${field.optional ? " (optional)" : ""}`} htmlFor={id} hint={field.help}>
      {multiline ? (
        <textarea
          id={id}
          value={value}
          onChange={(e) => onChange(e.target.value)}
          rows={4}
          spellCheck={false}
          autoComplete="off"
          className="min-h-20 w-full rounded-md border border-input bg-card px-3 py-2 font-mono text-xs shadow-xs outline-none focus-visible:border-ring focus-visible:ring-[3px] focus-visible:ring-ring/50 [-webkit-text-security:disc]"
        />
      ) : (
        <Input
          id={id}
          type={field.secret ? "password" : "text"}
          value={value}
          onChange={(e) => onChange(e.target.value)}
          autoComplete={field.secret ? "new-password" : "off"}
          spellCheck={false}
          required={!field.optional}
        />
      )}
    </Field>
  );
}

/** Catalog → credentials → Save & Test. Secrets are sent once and never shown again. */
export function AddConnectorDialog() {
  const qc = useQueryClient();
  const router = useRouter();
  const [open, setOpen] = React.useState(false);
  const [type, setType] = React.useState<ConnectorTypeView | null>(null);
  const [name, setName] = React.useState("");
  const [config, setConfig] = React.useState<Values>({});
  const [creds, setCreds] = React.useState<Values>({});
  const [doc, setDoc] = React.useState("");
  const [expires, setExpires] = React.useState("");
  const [result, setResult] = React.useState<TestOutcome | null>(null);
  const types = useConnectorTypes(open);

  const reset = () => {
    setType(null);
    setName("");
    setConfig({});
    setCreds({});
    setDoc("");
    setExpires("");
    setResult(null);
    save.reset();
  };

  const save = useMutation({
    mutationFn: async () => {
      const credentials = Object.fromEntries(Object.entries(creds).filter(([, v]) => v.trim() !== ""));
      const cfg = Object.fromEntries(Object.entries(config).filter(([, v]) => v.trim() !== ""));
      const created = await api<Connector>("/connectors", {
        method: "POST",
        body: {
          type: type!.type,
          name: name.trim(),
          config: cfg,
          credentials,
          ...(expires ? { credential_expires_at: new Date(`${expires}T00:00:00Z`).toISOString() } : {}),
          ...(type!.type === "openapi" ? { openapi_document: doc } : {}),
        },
      });
      setCreds({}); // the secrets leave the browser's memory as soon as they are stored
      return api<TestOutcome>(`/connectors/${created.id}/test`, { method: "POST" });
    },
    onSuccess: (r) => {
      setResult(r);
      void qc.invalidateQueries({ queryKey: connectorKeys.all });
    },
  });

  const onOpenChange = (next: boolean) => {
    if (!next) setTimeout(reset, 250);
    else reset();
    setOpen(next);
  };

  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogTrigger asChild>
        <Button>
          <PlusIcon aria-hidden />
          Add connector
        </Button>
      </DialogTrigger>
      <DialogContent className="max-h-[90vh] overflow-y-auto sm:max-w-2xl">
        {result ? (
          <>
            <DialogHeader>
              <DialogTitle>{result.ok ? "Connector is active" : "Test failed"}</DialogTitle>
              <DialogDescription>
                {result.connector.name} ({result.connector.slug}) was saved; its credential is in the vault.
              </DialogDescription>
            </DialogHeader>
            {result.ok ? (
              <Alert>
                <CircleCheckIcon aria-hidden />
                <AlertTitle>Test Connection passed</AlertTitle>
                <AlertDescription>
                  {result.connector.tools.exposed} tool{result.connector.tools.exposed === 1 ? "" : "s"} exposed as <code>{result.connector.slug}__…</code>.
                  {result.connector.type === "openapi" ? " Choose which operations to expose on the connector's page." : " Who may use them is decided in Policy Radar."}
                </AlertDescription>
              </Alert>
            ) : (
              <Alert variant="destructive">
                <TriangleAlertIcon aria-hidden />
                <AlertTitle>The connector stays PENDING</AlertTitle>
                <AlertDescription>{result.error}</AlertDescription>
              </Alert>
            )}
            <DialogFooter>
              <Button variant="outline" onClick={() => onOpenChange(false)}>
                Close
              </Button>
              <Button onClick={() => router.push(`/vault/connectors/${result.connector.id}`)}>Open connector</Button>
            </DialogFooter>
          </>
        ) : !type ? (
          <>
            <DialogHeader>
              <DialogTitle>Add a connector</DialogTitle>
              <DialogDescription>Pick the tool to connect. You will enter its credentials next.</DialogDescription>
            </DialogHeader>
            <FormError error={types.error} />
            <ul className="grid gap-2 sm:grid-cols-2" aria-label="Connector catalog">
              {(types.data?.data ?? []).map((t) => (
                <li key={t.type}>
                  <button
                    type="button"
                    onClick={() => {
                      setType(t);
                      setName(t.name);
                    }}
                    className="flex h-full w-full flex-col items-start gap-1 rounded-lg border bg-card p-3 text-left text-sm transition-colors outline-none hover:bg-muted/60 focus-visible:ring-[3px] focus-visible:ring-ring/50"
                  >
                    <span className="font-medium">{t.name}</span>
                    <span className="text-xs text-muted-foreground">{t.description}</span>
                    {t.actions.length ? <span className="text-xs text-muted-foreground">{t.actions.length} actions</span> : null}
                  </button>
                </li>
              ))}
              {types.isPending ? <li className="text-sm text-muted-foreground">Loading the catalog…</li> : null}
            </ul>
          </>
        ) : (
          <form
            className="grid gap-4"
            onSubmit={(e) => {
              e.preventDefault();
              if (!save.isPending) save.mutate();
            }}
          >
            <DialogHeader>
              <DialogTitle>Connect {type.name}</DialogTitle>
              <DialogDescription>
                Secret fields are encrypted into the vault and never shown again. Save &amp; Test runs a read-only call to {type.name}.
              </DialogDescription>
            </DialogHeader>
            <Field label="Name" htmlFor="connector-name" hint="Shown in the console and the audit log.">
              <Input id="connector-name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} autoComplete="off" />
            </Field>
            {type.type === "openapi" ? (
              <Field label="OpenAPI 3 document (JSON or YAML)" htmlFor="connector-openapi" hint="Its operations become actions; you choose which are exposed after the test.">
                <textarea
                  id="connector-openapi"
                  value={doc}
                  onChange={(e) => setDoc(e.target.value)}
                  rows={8}
                  required
                  spellCheck={false}
                  className="w-full rounded-md border border-input bg-card px-3 py-2 font-mono text-xs shadow-xs outline-none focus-visible:border-ring focus-visible:ring-[3px] focus-visible:ring-ring/50"
                />
              </Field>
            ) : null}
            {type.config_fields.map((f) => (
              <FieldInput key={f.name} prefix="config" field={f} value={config[f.name] ?? ""} onChange={(v) => setConfig((c) => ({ ...c, [f.name]: v }))} />
            ))}
            {type.credential_fields.map((f) => (
              <FieldInput key={f.name} prefix="cred" field={f} value={creds[f.name] ?? ""} onChange={(v) => setCreds((c) => ({ ...c, [f.name]: v }))} />
            ))}
            <Field label="Credential expires (optional)" htmlFor="connector-expires" hint="Fortress warns two weeks before.">
              <Input id="connector-expires" type="date" value={expires} onChange={(e) => setExpires(e.target.value)} />
            </Field>
            <FormError error={save.error} />
            <DialogFooter>
              <Button variant="outline" onClick={() => setType(null)} disabled={save.isPending}>
                <ArrowLeftIcon aria-hidden />
                Back
              </Button>
              <Button type="submit" disabled={save.isPending || name.trim() === ""}>
                {save.isPending ? <LoaderCircleIcon className="animate-spin" aria-hidden /> : <PlugZapIcon aria-hidden />}
                Save &amp; Test
              </Button>
            </DialogFooter>
          </form>
        )}
      </DialogContent>
    </Dialog>
  );
}
