// What the MCP gateway depends on, as one object (factory style): route handlers use the real
// modules; tests and benchmarks build a handler with the same real modules over another database
// handle, or — until a seam's implementation lands — with a stand-in passed explicitly.
import { recordGovernedAuditEvent } from "../../audit/gateway";
import type { recordAuditEvent } from "../../audit/record";
import { runConnectorAction } from "../../connectors/run";
import { getDb, type Database } from "../../db";
import { env } from "../../env";
import { authenticateApiKey } from "../../identity/authenticate-api-key";
import { allowedResources, authorize, subscribePolicyChanges } from "../../policy";
import { redactValue } from "../../redaction";
import { publishTraffic } from "../../traffic";

export interface McpDeps {
  /** Sessions and audit writes. The tool table comes from the process's connectors cache (lib/connectors/cache.ts). */
  db: () => Promise<Database>;
  authenticate: typeof authenticateApiKey;
  authorize: typeof authorize;
  allowedResources: typeof allowedResources;
  runAction: typeof runConnectorAction;
  redact: typeof redactValue;
  recordAudit: typeof recordAuditEvent;
  publishTraffic: typeof publishTraffic;
  /** Policy change signals for an org (the policy bus reaches every instance). */
  subscribePolicyChanges: (orgId: string, cb: () => void) => () => void;
  /** Origin (scheme://host[:port]) the product is published at, e.g. FORTRESS_PUBLIC_URL's. */
  publicOrigin: () => string | null;
  /** Time budget of one vendor call. */
  callTimeoutMs: number;
  /** Interval of SSE keep-alive comments on long-lived streams. */
  keepAliveMs: number;
}

export function defaultDeps(): McpDeps {
  return {
    db: getDb,
    authenticate: authenticateApiKey,
    authorize,
    allowedResources,
    runAction: runConnectorAction,
    redact: redactValue,
    // Group commit (one transaction per batch of concurrent events of an org) and request.denied
    // webhooks for denials, in the same transaction as the audit event.
    recordAudit: recordGovernedAuditEvent,
    publishTraffic,
    subscribePolicyChanges,
    publicOrigin: () => {
      const url = env().FORTRESS_PUBLIC_URL;
      return url ? new URL(url).origin : null;
    },
    callTimeoutMs: 30_000,
    keepAliveMs: 15_000,
  };
}
