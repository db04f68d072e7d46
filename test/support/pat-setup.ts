// Shared PAT test setup: an org with an owner, an org API key, a PAT key granted through a policy
// role, a fake Anthropic and a PAT gateway behind a real HTTP server, driven by the official SDK.
import Anthropic from "@anthropic-ai/sdk";
import * as apiKeysRoute from "@/app/api/v1/api-keys/route";
import * as patKeysRoute from "@/app/api/v1/pat-keys/route";
import { SYSTEM_ACTOR } from "@/lib/context";
import { getDb } from "@/lib/db";
import { createPatGateway, type PatGateway, type PatGatewayDeps } from "@/lib/gateway/pat/gateway";
import type { LeaseManager } from "@/lib/gateway/pat/lease";
import { newSpendLeases } from "@/lib/gateway/pat/record";
import { assignRole, createRole } from "@/lib/policy";
import { startFakeAnthropic, type FakeAnthropic } from "../fakes/anthropic";
import { call, newOrg } from "../helpers";
import { startPatServer, type PatServer } from "./pat-server";

export const REAL_KEY = "sk-ant-api03-REALKEY-0123456789abcdefghijklmnop";

export interface PatKeyInput {
  label?: string;
  anthropic_key?: string;
  models?: string[];
  max_tokens?: number | null;
  monthly_cap_usd?: number | null;
  alert_threshold_pct?: number;
  enabled?: boolean;
}

export async function createOrgApiKey(token: string, name = "sdk"): Promise<string> {
  const r = await call(apiKeysRoute.POST, { token, body: { name } });
  if (r.status !== 201) throw new Error(`api key: ${r.status} ${r.text}`);
  return r.json.key;
}

export async function addPatKey(token: string, input: PatKeyInput = {}) {
  const r = await call(patKeysRoute.POST, {
    token,
    body: { label: "Production", anthropic_key: REAL_KEY, models: [], max_tokens: 4096, monthly_cap_usd: 100, ...input },
  });
  if (r.status !== 201) throw new Error(`pat key: ${r.status} ${r.text}`);
  return r.json as { id: string; label: string };
}

export async function grantPatKeys(orgId: string, userId: string, patKeyIds: string[], name = `PAT users ${Math.random().toString(36).slice(2, 7)}`) {
  const db = await getDb();
  const role = await createRole(db, orgId, { name, grants: patKeyIds.map((id) => ({ resource: { kind: "pat_key" as const, patKeyId: id }, effect: "allow" as const })) }, { actor: SYSTEM_ACTOR });
  await assignRole(db, orgId, role.id, { kind: "user", id: userId }, { actor: SYSTEM_ACTOR });
  return role.id;
}

export interface PatWorld {
  fake: FakeAnthropic;
  server: PatServer;
  org: { id: string };
  user: { id: string };
  token: string;
  orgKey: string;
  patKey: { id: string; label: string };
  client: Anthropic;
  /** This world's spend leases (its gateway is one "instance"); flush() gives unused ones back. */
  leases: LeaseManager;
  gateway: PatGateway;
  close(): Promise<void>;
}

export async function patWorld(patKey: PatKeyInput = {}, deps: Partial<PatGatewayDeps> = {}, fake?: FakeAnthropic): Promise<PatWorld> {
  const f = fake ?? (await startFakeAnthropic());
  const leases = newSpendLeases();
  const gateway = createPatGateway({ upstream: () => f.url, leases: () => leases, ...deps });
  const server = await startPatServer(gateway);
  const { org, user, token } = await newOrg();
  const orgKey = await createOrgApiKey(token);
  const key = await addPatKey(token, patKey);
  await grantPatKeys(org.id, user.id, [key.id]);
  const client = new Anthropic({ apiKey: orgKey, baseURL: server.url, maxRetries: 0 });
  return {
    fake: f,
    server,
    org,
    user,
    token,
    orgKey,
    patKey: key,
    client,
    leases,
    gateway,
    async close() {
      await server.close();
      await gateway.drain();
      await leases.close();
      if (!fake) await f.close();
    },
  };
}

/** Waits until `fn` returns true (completion bookkeeping runs after the response). */
export async function eventually(fn: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await fn()) return;
    if (Date.now() > until) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}
