"use client";

import * as React from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api } from "@/components/console/api";
import { FormError } from "@/components/console/data-states";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { policyKeys, usePolicyResources, useRoles } from "./queries";
import { DETECTORS } from "./detectors";
import type { RedactionSettings, RedactionView } from "./types";

type Flag = (typeof DETECTORS)[number]["key"];
type Override = Partial<Pick<RedactionSettings, Flag>>;

/** Per-role and per-connector overrides: each switch either follows the org or forces redact / show. */
export function RedactionOverrides({ view, manage }: { view: RedactionView; manage: boolean }) {
  const roles = useRoles();
  const resources = usePolicyResources();
  const qc = useQueryClient();
  const [adding, setAdding] = React.useState("");
  const rows = [
    ...view.roles.map((r) => ({ scope: "roles" as const, id: r.role_id, label: `Role: ${r.role_name}`, settings: r.settings })),
    ...view.connectors.map((c) => ({ scope: "connectors" as const, id: c.connector_id, label: `Connector: ${c.connector_name}`, settings: c.settings })),
  ];
  const taken = new Set(rows.map((r) => r.id));
  const put = useMutation({
    mutationFn: ({ scope, id, settings }: { scope: "roles" | "connectors"; id: string; settings: Override }) =>
      api(`/redaction/${scope}/${id}`, { method: "PUT", body: settings }),
    onSettled: () => qc.invalidateQueries({ queryKey: policyKeys.redaction }),
  });
  const remove = useMutation({
    mutationFn: ({ scope, id }: { scope: "roles" | "connectors"; id: string }) => api(`/redaction/${scope}/${id}`, { method: "DELETE" }),
    onSettled: () => qc.invalidateQueries({ queryKey: policyKeys.redaction }),
  });

  return (
    <Card>
      <CardHeader>
        <CardTitle>Overrides</CardTitle>
        <CardDescription>
          For holders of a role, or for one connector. When a person has several roles, the most protective setting wins; a connector
          override applies last.
        </CardDescription>
      </CardHeader>
      <CardContent className="grid gap-4">
        {rows.length === 0 ? <p className="text-sm text-muted-foreground">No overrides: the organisation settings apply everywhere.</p> : null}
        {rows.map((r) => (
          <div key={r.id} className="grid gap-3 rounded-md border p-3">
            <div className="flex items-center justify-between gap-2">
              <span className="text-sm font-medium">{r.label}</span>
              {manage ? (
                <Button variant="ghost-destructive" size="sm" disabled={remove.isPending} onClick={() => remove.mutate({ scope: r.scope, id: r.id })}>
                  Remove override
                </Button>
              ) : null}
            </div>
            <div className="grid gap-2 sm:grid-cols-2 lg:grid-cols-4">
              {DETECTORS.map((d) => {
                const v = r.settings[d.key];
                return (
                  <label key={d.key} className="grid gap-1 text-xs">
                    <span className="text-muted-foreground">{d.label}</span>
                    <Select
                      disabled={!manage}
                      value={v === undefined ? "inherit" : v ? "on" : "off"}
                      onValueChange={(nv) => {
                        const next: Override = { ...(r.settings as Override) };
                        if (nv === "inherit") delete next[d.key];
                        else next[d.key] = nv === "on";
                        put.mutate({ scope: r.scope, id: r.id, settings: next });
                      }}
                    >
                      <SelectTrigger size="sm">
                        <SelectValue />
                      </SelectTrigger>
                      <SelectContent>
                        <SelectItem value="inherit">Like the organisation</SelectItem>
                        <SelectItem value="on">Redact</SelectItem>
                        <SelectItem value="off">Do not redact</SelectItem>
                      </SelectContent>
                    </Select>
                  </label>
                );
              })}
            </div>
          </div>
        ))}
        {manage ? (
          <div className="flex flex-wrap items-center gap-2">
            <Select value={adding} onValueChange={setAdding}>
              <SelectTrigger className="w-72" aria-label="Role or connector to override">
                <SelectValue placeholder="Add an override for…" />
              </SelectTrigger>
              <SelectContent>
                {roles.data
                  ?.filter((r) => !taken.has(r.id))
                  .map((r) => (
                    <SelectItem key={r.id} value={`roles:${r.id}`}>
                      Role: {r.name}
                    </SelectItem>
                  ))}
                {resources.data?.connectors
                  .filter((c) => !taken.has(c.id))
                  .map((c) => (
                    <SelectItem key={c.id} value={`connectors:${c.id}`}>
                      Connector: {c.name}
                    </SelectItem>
                  ))}
              </SelectContent>
            </Select>
            <Button
              variant="outline"
              disabled={!adding || put.isPending}
              onClick={() => {
                const [scope, id] = adding.split(":") as ["roles" | "connectors", string];
                put.mutate({ scope, id, settings: {} }, { onSuccess: () => setAdding("") });
              }}
            >
              Add override
            </Button>
          </div>
        ) : null}
        <FormError error={put.error ?? remove.error} />
      </CardContent>
    </Card>
  );
}
