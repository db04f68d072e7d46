// The tool-list notification streams: the legacy session's GET stream and the modern
// subscriptions/listen response. Both follow the org's connector changes (tools bus) and policy
// changes (policy bus), re-check the caller's own list on each signal and on every keep-alive, and
// send notifications/tools/list_changed only when that list differs.
import type { McpSession } from "@/db/schema";
import { isFortressError } from "../../errors";
import { clientSignal } from "../../http/body";
import type { Principal } from "../../identity/principal";
import type { RequestMeta } from "../../context";
import { logger } from "../../log";
import { subscribeToolsChanged } from "./changes";
import type { McpDeps } from "./deps";
import { isObject, META, type JsonRpcRequest } from "./protocol";
import type { SessionStore } from "./sessions";
import { notificationStream } from "./sse";
import { allowedTools, listFingerprint } from "./tools";

export interface StreamCtx {
  request: Request;
  principal: Principal;
  meta: RequestMeta;
  startedAt: number;
}

export function toolListStreams(deps: McpDeps, sessions: SessionStore) {
  /** Connector changes (tools bus) and policy changes (policy bus) both may alter a caller's list. */
  function subscribeChanges(orgId: string, signal: () => void): () => void {
    const offTools = subscribeToolsChanged(orgId, signal);
    let offPolicy = () => {};
    try {
      offPolicy = deps.subscribePolicyChanges(orgId, signal);
    } catch (err) {
      logger().warn({ err }, "policy change subscription unavailable; relying on periodic re-checks");
    }
    return () => {
      offTools();
      offPolicy();
    };
  }

  /** The caller's list fingerprint; null once its session or key is gone (the stream then ends). */
  async function fingerprintFor(ctx: StreamCtx, session: McpSession | null): Promise<string | null> {
    let principal: Principal;
    try {
      principal = await deps.authenticate(ctx.request.headers);
    } catch (err) {
      if (isFortressError(err) && err.code === "unauthenticated") return null;
      throw err;
    }
    if (session && !(await sessions.find(principal, session.id))) return null;
    const tools = await allowedTools(principal, ctx.meta.clientIp, deps.allowedResources);
    return listFingerprint(tools);
  }

  return {
    /** Legacy GET stream of a session. Last-Event-ID is ignored: events carry no ids (the spec's MAY). */
    sessionStream(ctx: StreamCtx, session: McpSession): Promise<Response> {
      return notificationStream({
        fingerprint: () => fingerprintFor(ctx, session),
        subscribe: (signal) => subscribeChanges(ctx.principal.orgId, signal),
        notification: () => ({ jsonrpc: "2.0", method: "notifications/tools/list_changed" }),
        keepAliveMs: deps.keepAliveMs,
        signal: clientSignal(ctx.request),
      });
    },

    /** subscriptions/listen (2026-07-28): the response is itself the notification stream. */
    listen(ctx: StreamCtx, req: JsonRpcRequest): Promise<Response> {
      const filter = isObject(req.params?.notifications) ? req.params.notifications : {};
      const tools = filter.toolsListChanged === true;
      const subMeta = { [META.subscriptionId]: req.id };
      return notificationStream({
        fingerprint: () => (tools ? fingerprintFor(ctx, null) : Promise.resolve("")),
        subscribe: (signal) => (tools ? subscribeChanges(ctx.principal.orgId, signal) : () => {}),
        initial: [
          {
            jsonrpc: "2.0",
            method: "notifications/subscriptions/acknowledged",
            // Only what we honour: tool list changes.
            params: { _meta: subMeta, notifications: tools ? { toolsListChanged: true } : {} },
          },
        ],
        notification: () => ({ jsonrpc: "2.0", method: "notifications/tools/list_changed", params: { _meta: subMeta } }),
        keepAliveMs: deps.keepAliveMs,
        signal: clientSignal(ctx.request),
      });
    },
  };
}
