"use client";

import * as React from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { LoaderCircleIcon, PlusIcon, RefreshCwIcon } from "lucide-react";
import { api } from "@/components/console/api";
import { FormError } from "@/components/console/data-states";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from "@/components/ui/dialog";
import { Input } from "@/components/ui/input";
import { Field } from "@/components/ui/label";
import { useToast } from "@/components/ui/toast";
import { patKeys } from "./queries";
import type { PatKey } from "./types";

const splitModels = (s: string) =>
  s
    .split(/[\s,]+/)
    .map((m) => m.trim())
    .filter(Boolean);
const numberOrNull = (s: string) => (s.trim() === "" ? null : Number(s));

/** Add a PAT key: label, the Anthropic key (write-only), models, max tokens, monthly cap, alert threshold. */
export function AddPatKeyDialog() {
  const qc = useQueryClient();
  const toast = useToast();
  const [open, setOpen] = React.useState(false);
  const [form, setForm] = React.useState({ label: "", key: "", models: "", maxTokens: "4000", cap: "", alert: "80" });
  const set = (k: keyof typeof form) => (e: React.ChangeEvent<HTMLInputElement>) => setForm({ ...form, [k]: e.target.value });
  const create = useMutation({
    mutationFn: () =>
      api<PatKey>("/pat-keys", {
        method: "POST",
        body: {
          label: form.label,
          anthropic_key: form.key,
          models: splitModels(form.models),
          max_tokens: numberOrNull(form.maxTokens),
          monthly_cap_usd: numberOrNull(form.cap),
          alert_threshold_pct: Number(form.alert || 80),
        },
      }),
    onSuccess: (k) => {
      // The Anthropic key leaves the browser's memory with the form.
      setForm({ label: "", key: "", models: "", maxTokens: "4000", cap: "", alert: "80" });
      setOpen(false);
      toast({ title: `PAT key "${k.label}" saved and encrypted` });
      void qc.invalidateQueries({ queryKey: patKeys.list });
    },
  });
  return (
    <Dialog
      open={open}
      onOpenChange={(o) => {
        setOpen(o);
        if (!o) setForm((f) => ({ ...f, key: "" }));
        create.reset();
      }}
    >
      <DialogTrigger asChild>
        <Button>
          <PlusIcon aria-hidden />
          Add PAT Key
        </Button>
      </DialogTrigger>
      <DialogContent className="sm:max-w-xl">
        <form
          className="grid gap-4"
          onSubmit={(e) => {
            e.preventDefault();
            create.mutate();
          }}
        >
          <DialogHeader>
            <DialogTitle>Add a Claude PAT</DialogTitle>
            <DialogDescription>The key is encrypted in the vault and never shown again. Developers use their org API key; Fortress uses this one.</DialogDescription>
          </DialogHeader>
          <Field label="Label" htmlFor="pat-label" hint='e.g. "Production PAT"'>
            <Input id="pat-label" value={form.label} onChange={set("label")} required maxLength={100} />
          </Field>
          <Field label="Anthropic API key" htmlFor="pat-key">
            <Input id="pat-key" type="password" autoComplete="off" value={form.key} onChange={set("key")} required placeholder="sk-ant-…" />
          </Field>
          <Field label="Model allowlist" htmlFor="pat-models" hint="Comma-separated model ids or aliases (an alias allows its dated snapshots). Empty = all models.">
            <Input id="pat-models" value={form.models} onChange={set("models")} placeholder="claude-sonnet-4-5, claude-haiku-4-5-20251001" />
          </Field>
          <div className="grid gap-4 sm:grid-cols-3">
            <Field label="Max tokens / request" htmlFor="pat-max" hint="Empty = no limit">
              <Input id="pat-max" inputMode="numeric" value={form.maxTokens} onChange={set("maxTokens")} />
            </Field>
            <Field label="Monthly cap (USD)" htmlFor="pat-cap" hint="Empty = no cap">
              <Input id="pat-cap" inputMode="decimal" value={form.cap} onChange={set("cap")} />
            </Field>
            <Field label="Alert at (%)" htmlFor="pat-alert">
              <Input id="pat-alert" inputMode="numeric" value={form.alert} onChange={set("alert")} />
            </Field>
          </div>
          <FormError error={create.error} />
          <DialogFooter>
            <Button type="submit" disabled={create.isPending}>
              {create.isPending ? <LoaderCircleIcon className="animate-spin" aria-hidden /> : null}
              Save &amp; Encrypt
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}

/** Rotate: a new Anthropic key; the previous one stays a fallback for 48 hours. */
export function RotatePatKeyDialog({ pat }: { pat: PatKey }) {
  const qc = useQueryClient();
  const toast = useToast();
  const [open, setOpen] = React.useState(false);
  const [key, setKey] = React.useState("");
  const rotate = useMutation({
    mutationFn: () => api<{ key: PatKey; rotated: PatKey }>(`/pat-keys/${pat.id}/rotate`, { method: "POST", body: { anthropic_key: key } }),
    onSuccess: () => {
      setKey("");
      setOpen(false);
      toast({ title: `"${pat.label}" rotated`, description: "The previous key stays a fallback for 48 hours, then it is revoked." });
      void qc.invalidateQueries({ queryKey: patKeys.list });
    },
  });
  return (
    <Dialog
      open={open}
      onOpenChange={(o) => {
        setOpen(o);
        setKey("");
        rotate.reset();
      }}
    >
      <DialogTrigger asChild>
        <Button variant="outline" size="sm">
          <RefreshCwIcon aria-hidden />
          Rotate
        </Button>
      </DialogTrigger>
      <DialogContent>
        <form
          className="grid gap-4"
          onSubmit={(e) => {
            e.preventDefault();
            rotate.mutate();
          }}
        >
          <DialogHeader>
            <DialogTitle>Rotate “{pat.label}”</DialogTitle>
            <DialogDescription>Paste the new Anthropic key. Roles, limits and spend stay with this PAT key.</DialogDescription>
          </DialogHeader>
          <Field label="New Anthropic API key" htmlFor="pat-rotate-key">
            <Input id="pat-rotate-key" type="password" autoComplete="off" value={key} onChange={(e) => setKey(e.target.value)} required />
          </Field>
          <FormError error={rotate.error} />
          <DialogFooter>
            <Button type="submit" disabled={rotate.isPending}>
              {rotate.isPending ? <LoaderCircleIcon className="animate-spin" aria-hidden /> : null}
              Rotate
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
