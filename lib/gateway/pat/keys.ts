// Which PAT key serves a request. The caller's policy roles decide which keys they may use
// (allowedResources, layers 1–3, no counters consumed); among those:
//  - `x-fortress-pat-key: <label>` picks one by label (a label they may not use is a denial);
//  - otherwise their DEFAULT key: the oldest ACTIVE, enabled key they are allowed to use.
// ROTATED keys are history rows holding the previous Anthropic key during the 48-hour overlap:
// never chosen directly, only a fallback for their successor (see gateway.ts).
import { and, eq, inArray } from "drizzle-orm";
import { patKeys } from "@/db/schema";
import { sharedOrgRowsCache } from "../../cache/shared";
import { getDb } from "../../db";
import type { Principal } from "../../identity/principal";
import type { PolicyResource } from "../../policy";
import { PolicyDenied } from "./errors";

export type PatKeyRow = typeof patKeys.$inferSelect;
export const PAT_KEY_HEADER = "x-fortress-pat-key";

// An org's keys come from the process's org-row cache (lib/cache/org-rows.ts): an admin change to a
// key calls invalidatePolicy, which drops them on the writing instance at once and on the others
// through the policy bus; never believed longer than 500 ms should a message be lost; re-read in the
// background while in use, so steady traffic never waits for this read.
const cache = () => sharedOrgRowsCache<PatKeyRow[]>("pat-keys", { load: readOrgPatKeys });

async function readOrgPatKeys(orgId: string): Promise<PatKeyRow[]> {
  const db = await getDb();
  return db
    .select()
    .from(patKeys)
    .where(and(eq(patKeys.orgId, orgId), inArray(patKeys.status, ["ACTIVE", "ROTATED"])))
    .orderBy(patKeys.createdAt, patKeys.id);
}

/** Non-revoked keys of an org, oldest first (ROTATED ones included: they are fallbacks). Read, never modify. */
export function loadOrgPatKeys(orgId: string): Promise<PatKeyRow[]> {
  return cache().get(orgId);
}

/** A ROTATED key serves (as a fallback) only until its overlap window ends. */
export function isUsable(row: PatKeyRow, now: Date): boolean {
  if (row.status === "ACTIVE") return !!row.secretId;
  if (row.status === "ROTATED") return !!row.secretId && !!row.overlapUntil && row.overlapUntil > now;
  return false;
}

export type PatKeyResource = Extract<PolicyResource, { kind: "pat_key" }>;

export const resourceOf = (row: PatKeyRow, now: Date): PatKeyResource => ({
  kind: "pat_key",
  patKeyId: row.id,
  label: row.label,
  enabled: row.enabled && isUsable(row, now),
});

export type AllowedResources = (principal: Principal, resources: PatKeyResource[], clientIp: string | null, now?: Date) => Promise<PatKeyResource[]>;

export interface Selection {
  key: PatKeyRow;
  /** The ROTATED predecessor still inside its overlap window, when there is one. */
  fallback: PatKeyRow | null;
}

export async function selectPatKey(
  principal: Principal,
  headers: Headers,
  clientIp: string | null,
  allowedResources: AllowedResources,
  now = new Date(),
): Promise<Selection> {
  const rows = await loadOrgPatKeys(principal.orgId);
  const wanted = headers.get(PAT_KEY_HEADER)?.trim();
  const active = rows.filter((r) => r.status === "ACTIVE");
  let candidates = active;
  if (wanted) {
    candidates = active.filter((r) => r.label === wanted);
    if (candidates.length === 0) {
      const rotated = rows.find((r) => r.label === wanted);
      throw new PolicyDenied(
        rotated ? `Access denied: PAT key '${wanted}' was rotated; use its replacement` : `Access denied: no PAT key labelled '${wanted}'`,
        undefined,
        "pat_key_unknown",
      );
    }
    const [only] = candidates;
    // Layer-1 refusals say what is wrong with the key itself, before any role is consulted.
    if (!only.enabled) throw new PolicyDenied(`Access denied: PAT key '${only.label}' is disabled`, undefined, "pat_key_disabled");
  } else {
    candidates = active.filter((r) => r.enabled && isUsable(r, now));
    if (candidates.length === 0) {
      const anyDisabled = active.some((r) => !r.enabled);
      throw new PolicyDenied(
        anyDisabled && active.every((r) => !r.enabled) ? "Access denied: every PAT key of your organisation is disabled" : "Access denied: no PAT key is available to you",
        undefined,
        "no_pat_key",
      );
    }
  }
  const allowed = await allowedResources(principal, candidates.map((r) => resourceOf(r, now)), clientIp, now);
  const allowedIds = new Set(allowed.map((r) => r.patKeyId));
  const key = candidates.find((r) => allowedIds.has(r.id));
  if (!key) {
    throw new PolicyDenied(
      wanted ? `Access denied: your role does not allow PAT key '${wanted}'` : "Access denied: no PAT key is available to your role",
      undefined,
      "role",
    );
  }
  const fallback = key.replacesId ? rows.find((r) => r.id === key.replacesId && r.status === "ROTATED" && isUsable(r, now)) ?? null : null;
  return { key, fallback };
}
