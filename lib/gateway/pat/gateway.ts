// PAT Fortress: a transparent, governed proxy for Anthropic's Messages API.
// identity (org API key) → PAT key selection (policy roles) → policy layers 1–3 (authorize) →
// model allowlist → max_tokens → spend reservation (from this instance's lease, in memory) → the real
// key from the vault, with the admission audit event in its commit → Anthropic. The client's body goes
// upstream byte for byte; the upstream status, headers and body come back byte for byte, streamed as
// they arrive, with usage counted on the way through (relay.ts).
// Fortress adds one header, x-fortress-request-id. Everything after the response (the archive, settling
// spend, the log row, the completion event) never delays it: it is gathered over a short window and
// written together with that of other requests (completions.ts).
import { requestMeta } from "../../http/request-context";
import { readBodyBytes } from "../../http/body";
import { authenticateApiKey } from "../../identity/authenticate-api-key";
import type { Principal } from "../../identity/principal";
import { env } from "../../env";
import { logger } from "../../log";
import * as policy from "../../policy";
import * as vault from "../../vault";
import type { AuditCompanion } from "../../vault";
import { onShutdown } from "../../shutdown";
import { CompletionWindow } from "./completions";
import type { ArchiveResult } from "./archive";
import { anthropicError, FORTRESS_REQUEST_ID, FortressError, PolicyDenied, toAnthropicResponse } from "./errors";
import { selectPatKey, type AllowedResources, type PatKeyRow, type Selection } from "./keys";
import { modelAllowed } from "./models";
import { formatUsd, maxCostMicros, PRICE_TABLE_VERSION, ZERO_USAGE } from "./pricing";
import type { LeaseManager } from "./lease";
import { actorOf, admissionAudit, complete, recordDenial, release, reserve, spendLeases, type DenialEvent, type RequestFacts, type SpendKey } from "./record";
import { relayResponse, type RelayContext, type RelayedRequest } from "./relay";
import { MAX_BODY_BYTES, parseGovernedBody, type GovernedBody } from "./request";
import { utcMonth } from "./spend";
import { callUpstream, forwardedRequestHeaders, responseHeaders, type UpstreamAnswer } from "./upstream";

export interface PatGatewayDeps {
  authorize: typeof policy.authorize;
  allowedResources: AllowedResources;
  withSecret: typeof vault.withSecret;
  sealObject: typeof vault.sealObject;
  /** Origin of the Anthropic API; default FORTRESS_ANTHROPIC_UPSTREAM. */
  upstream: () => string;
  /** Archive every exchange (default true). */
  archive: boolean;
  /** Spend leases; default: this process's (one per process — tests give each "instance" its own). */
  leases: () => LeaseManager;
  /** How long answered requests' bookkeeping is gathered before it is written (see completions.ts). */
  completionWindowMs: number;
}

const defaults: PatGatewayDeps = {
  // Late-bound so the real policy engine and vault are used as soon as they are built.
  authorize: (...a) => policy.authorize(...a),
  allowedResources: (p, r, ip, now) => policy.allowedResources(p, r, ip, now),
  withSecret: (...a) => vault.withSecret(...a),
  sealObject: (...a) => vault.sealObject(...a),
  upstream: () => env().FORTRESS_ANTHROPIC_UPSTREAM,
  archive: true,
  leases: () => spendLeases(),
  completionWindowMs: 25,
};

type Endpoint = "messages" | "count_tokens" | "models" | "model";

export interface PatGateway {
  messages(request: Request): Promise<Response>;
  countTokens(request: Request): Promise<Response>;
  listModels(request: Request): Promise<Response>;
  /** The catch-all: /v1/<anything else>. Governed paths are dispatched, the rest refused. */
  other(request: Request, path: string[]): Promise<Response>;
  /** Writes the bookkeeping still gathered in the completion window (at shutdown). */
  drain(): Promise<void>;
  readonly completions: CompletionWindow<ArchiveResult>;
}

/** A request past every check; `audited` (see admissionAudit) is awaited before answering. */
interface Admitted extends ReturnType<typeof admissionAudit>, RelayedRequest {
  selection: Selection;
  governed: GovernedBody | null;
  spend: SpendKey | null;
}

export function createPatGateway(overrides: Partial<PatGatewayDeps> = {}): PatGateway {
  const deps: PatGatewayDeps = { ...defaults, ...overrides };
  // Each completion reports its own failures (with its request id); see finish() in relay().
  const completions = new CompletionWindow<ArchiveResult>({ windowMs: deps.completionWindowMs });
  const relayContext: RelayContext = { archive: deps.archive, sealObject: deps.sealObject, completions };
  const relay = (a: Admitted, request: Request, res: UpstreamAnswer, path: string) => relayResponse(relayContext, a, request, res, path);

  /** Identity → key → policy → allowlist → max_tokens → reservation + audit. Throws on any "no". */
  async function govern(request: Request, endpoint: Endpoint, started: number, facts: { current?: RequestFacts }, modelOverride?: string): Promise<Admitted> {
    const startedAt = new Date();
    const meta = requestMeta(request);
    const principal: Principal = await authenticateApiKey(request.headers);
    if (!principal.products.includes("PAT")) throw new FortressError("forbidden", "PAT Fortress is not enabled for your organisation");
    let body: Uint8Array | null = null;
    let governed: GovernedBody | null = null;
    if (endpoint === "messages" || endpoint === "count_tokens") {
      body = await readBodyBytes(request, MAX_BODY_BYTES);
      governed = parseGovernedBody(body, endpoint === "messages");
    }
    const model = governed?.model ?? modelOverride ?? null;
    const f: RequestFacts = { requestId: meta.requestId, endpoint, principal, meta, startedAt, model, stream: governed?.stream ?? false, patKey: null };
    facts.current = f;
    const selection = await selectPatKey(principal, request.headers, meta.clientIp, deps.allowedResources, startedAt);
    const key = selection.key;
    f.patKey = { id: key.id, label: key.label };
    const decision = await deps.authorize(
      principal,
      { product: "pat", resource: { kind: "pat_key", patKeyId: key.id, label: key.label, enabled: key.enabled }, clientIp: meta.clientIp },
      startedAt,
    );
    if (decision.effect !== "allow") throw new PolicyDenied(`Access denied: ${decision.reason}`, decision.retryAfterSeconds, decision.layer);
    if (model !== null && !modelAllowed(key.models, model)) {
      throw new PolicyDenied(`Access denied: model '${model}' is not in your allowlist`, undefined, "model_blocked");
    }
    if (governed?.maxTokens != null && key.maxTokens != null && governed.maxTokens > key.maxTokens) {
      throw new PolicyDenied(`Access denied: max_tokens ${governed.maxTokens} exceeds the limit of ${key.maxTokens} for PAT key '${key.label}'`, undefined, "max_tokens");
    }
    let spend: SpendKey | null = null;
    let reservedMicros = 0;
    if (endpoint === "messages" && governed && body) {
      reservedMicros = maxCostMicros(governed.model, body.byteLength, governed.maxTokens ?? 0, governed.remoteSources);
      spend = { orgId: principal.orgId, patKeyId: key.id, month: utcMonth(startedAt), capMicros: key.monthlyCapMicros, alertThresholdPct: key.alertThresholdPct, ticket: null };
    }
    // The lease usually answers synchronously: await only when it had to go to Postgres.
    const taken = spend ? reserve(deps.leases(), { ...spend, amountMicros: reservedMicros }) : null;
    const reserved = taken instanceof Promise ? await taken : taken;
    if (reserved === "refused") {
      throw new PolicyDenied(
        `Access denied: the monthly spend cap of ${formatUsd(key.monthlyCapMicros ?? 0)} for PAT key '${key.label}' is reached (resets on the 1st, 00:00 UTC)`,
        undefined,
        "spend_cap",
      );
    }
    if (spend && reserved) spend.ticket = reserved;
    if (spend && spend.capMicros === null) reservedMicros = 0; // uncapped: nothing was reserved
    return { facts: f, selection, body, governed, spend, reservedMicros, started, ...admissionAudit(f, reservedMicros) };
  }

  /**
   * The client is answered only once the admission audit event is durable. If it cannot be
   * written, the upstream exchange is abandoned and the reservation released (fail closed).
   */
  async function answer(a: Admitted, res: UpstreamAnswer | null, build: () => Response | Promise<Response>): Promise<Response> {
    try {
      await a.audited;
    } catch (err) {
      res?.body.destroy();
      if (a.spend) await release(a.spend).catch(() => {});
      return toAnthropicResponse(new FortressError("unavailable", "Audit log unavailable", { cause: err }), a.facts.requestId);
    }
    return build();
  }

  function denialEvent(err: PolicyDenied, facts: RequestFacts): DenialEvent | undefined {
    const base = { request_id: facts.requestId, pat_key_id: facts.patKey?.id, pat_key_label: facts.patKey?.label, model: facts.model, principal: facts.principal.label };
    if (err.kind === "model_blocked") {
      // One event per key, model, caller and hour: a retry loop must not flood the webhooks.
      const hour = facts.startedAt.toISOString().slice(0, 13);
      return { type: "pat.model_blocked", dedupeKey: `pat.model_blocked:${facts.patKey?.id}:${facts.model}:${facts.principal.id}:${hour}`, payload: { ...base, reason: err.message } };
    }
    if (err.kind === "spend_cap" && facts.patKey) {
      const month = utcMonth(facts.startedAt);
      return { type: "pat.spend_cap_reached", dedupeKey: `pat.spend_cap_reached:${facts.patKey.id}:${month}`, payload: { ...base, month } };
    }
    return undefined;
  }

  async function refuse(err: unknown, facts: RequestFacts | undefined, fallbackId: string): Promise<Response> {
    const requestId = facts?.requestId ?? fallbackId;
    if (err instanceof PolicyDenied && facts) {
      try {
        await recordDenial(facts, 403, err.message, denialEvent(err, facts));
      } catch (auditErr) {
        // Fail closed: an unrecorded decision is not answered as if it had been recorded.
        return toAnthropicResponse(new FortressError("unavailable", "Audit log unavailable", { cause: auditErr }), requestId);
      }
    }
    return toAnthropicResponse(err, requestId);
  }

  /** Sends the admitted request upstream with the real key; on a 401 from a just-rotated key, retries with its predecessor. */
  async function forward(a: Admitted, request: Request, method: "GET" | "POST", path: string): Promise<UpstreamAnswer> {
    const call = { upstream: deps.upstream(), method, path, headers: forwardedRequestHeaders(request.headers), body: a.body };
    const ctx = { actor: actorOf(a.facts.principal), meta: a.facts.meta };
    const send = (key: PatKeyRow, companion?: AuditCompanion) =>
      deps.withSecret({ orgId: key.orgId, secretId: key.secretId! }, "pat", (secret) => callUpstream(call, secret), companion ? { ...ctx, companion } : ctx);
    let res: UpstreamAnswer;
    try {
      res = await send(a.selection.key, a.admission.companion);
    } finally {
      a.admission.settle();
    }
    if (res.statusCode === 401 && a.selection.fallback) {
      if (!res.whole) await res.body.dump();
      logger().warn({ patKeyId: a.selection.key.id, requestId: a.facts.requestId }, "pat: new key refused upstream, using the rotated key inside its overlap window");
      return send(a.selection.fallback);
    }
    return res;
  }

  async function upstreamFailed(a: Admitted, err: unknown): Promise<Response> {
    logger().warn({ err, requestId: a.facts.requestId }, "pat: upstream call failed");
    const latencyMs = Math.round(performance.now() - a.started);
    const unavailable = err instanceof FortressError && err.code === "unavailable";
    const status = unavailable ? 503 : 502;
    try {
      await complete(
        a.facts,
        {
          status,
          decision: "error",
          reason: unavailable ? err.message : "Upstream unreachable",
          latencyMs,
          ttftMs: null,
          usage: ZERO_USAGE,
          costMicros: 0,
          reservedMicros: a.reservedMicros,
          priceVersion: PRICE_TABLE_VERSION,
          upstreamRequestId: null,
          archive: { status: "none" },
        },
        a.spend ? a.spend : null,
      );
    } catch (e) {
      logger().error({ err: e, requestId: a.facts.requestId }, "pat: could not record failed request");
      if (a.spend) await release(a.spend).catch(() => {});
    }
    return unavailable
      ? toAnthropicResponse(err, a.facts.requestId)
      : anthropicError(502, "api_error", "PAT Fortress could not get an answer from the Anthropic API", a.facts.requestId);
  }


  async function proxied(request: Request, endpoint: "messages" | "count_tokens", path: string): Promise<Response> {
    const started = performance.now();
    const holder: { current?: RequestFacts } = {};
    let admitted: Admitted;
    try {
      admitted = await govern(request, endpoint, started, holder);
    } catch (err) {
      return refuse(err, holder.current, requestMeta(request).requestId);
    }
    let res: UpstreamAnswer;
    try {
      res = await forward(admitted, request, "POST", path);
    } catch (err) {
      return answer(admitted, null, () => upstreamFailed(admitted, err));
    }
    return answer(admitted, res, () => relay(admitted, request, res, path));
  }

  /** GET /v1/models: the upstream list, filtered to the models the caller's PAT key allows. */
  async function listModels(request: Request): Promise<Response> {
    const started = performance.now();
    const holder: { current?: RequestFacts } = {};
    let admitted: Admitted;
    try {
      admitted = await govern(request, "models", started, holder);
    } catch (err) {
      return refuse(err, holder.current, requestMeta(request).requestId);
    }
    const url = new URL(request.url);
    let res: UpstreamAnswer;
    try {
      res = await forward(admitted, request, "GET", `/v1/models${url.search}`);
    } catch (err) {
      return answer(admitted, null, () => upstreamFailed(admitted, err));
    }
    const allow = admitted.selection.key.models;
    if (res.statusCode !== 200 || allow.length === 0) return answer(admitted, res, () => relay(admitted, request, res, "/v1/models"));
    // The list is rewritten (filtered), so it is read whole; it is small.
    const text = res.whole ? res.whole.toString("utf8") : await res.body.text();
    const headers = responseHeaders(res.headers);
    headers.delete("content-length");
    headers.set(FORTRESS_REQUEST_ID, admitted.facts.requestId);
    let out = text;
    try {
      const parsed = JSON.parse(text) as { data?: { id: string }[]; first_id?: string | null; last_id?: string | null };
      const data = (parsed.data ?? []).filter((m) => modelAllowed(allow, m.id));
      out = JSON.stringify({ ...parsed, data, first_id: data[0]?.id ?? null, last_id: data[data.length - 1]?.id ?? null });
    } catch {
      return anthropicError(502, "api_error", "Unexpected models list from the Anthropic API", admitted.facts.requestId);
    }
    void complete(
      admitted.facts,
      { status: 200, decision: "allow", latencyMs: Math.round(performance.now() - started), ttftMs: null, usage: ZERO_USAGE, costMicros: 0, reservedMicros: 0, priceVersion: PRICE_TABLE_VERSION, upstreamRequestId: headers.get("request-id"), archive: { status: "none" } },
      null,
    ).catch((err) => logger().error({ err }, "pat: could not record models request"));
    return answer(admitted, null, () => new Response(out, { status: 200, headers }));
  }

  /** GET /v1/models/{id}: forwarded only for a model the caller may use; others do not exist for them. */
  async function getModel(request: Request, id: string): Promise<Response> {
    const started = performance.now();
    const holder: { current?: RequestFacts } = {};
    let admitted: Admitted;
    try {
      admitted = await govern(request, "model", started, holder, id);
    } catch (err) {
      if (err instanceof PolicyDenied && err.kind === "model_blocked") {
        await refuse(err, holder.current, "");
        return anthropicError(404, "not_found_error", `model: ${id}`, holder.current!.requestId);
      }
      return refuse(err, holder.current, requestMeta(request).requestId);
    }
    let res: UpstreamAnswer;
    try {
      res = await forward(admitted, request, "GET", `/v1/models/${encodeURIComponent(id)}`);
    } catch (err) {
      return answer(admitted, null, () => upstreamFailed(admitted, err));
    }
    return answer(admitted, res, () => relay(admitted, request, res, `/v1/models/${id}`));
  }

  async function other(request: Request, path: string[]): Promise<Response> {
    // The spec's own examples use base URL ".../v1", which makes SDKs call /v1/v1/messages: serve it.
    const parts = path[0] === "v1" ? path.slice(1) : path;
    const joined = parts.join("/");
    const method = request.method.toUpperCase();
    const search = new URL(request.url).search;
    if (method === "POST" && joined === "messages") return proxied(request, "messages", `/v1/messages${search}`);
    if (method === "POST" && joined === "messages/count_tokens") return proxied(request, "count_tokens", `/v1/messages/count_tokens${search}`);
    if (method === "GET" && joined === "models") return listModels(request);
    if (method === "GET" && parts.length === 2 && parts[0] === "models") return getModel(request, parts[1]);
    const meta = requestMeta(request);
    let principal: Principal;
    try {
      principal = await authenticateApiKey(request.headers);
    } catch (err) {
      return toAnthropicResponse(err, meta.requestId);
    }
    const facts: RequestFacts = { requestId: meta.requestId, endpoint: `unsupported:/v1/${joined}`.slice(0, 200), principal, meta, startedAt: new Date(), model: null, stream: false, patKey: null };
    const known = /^(messages(\/|$)|files|models|complete|skills|organizations|batches)/.test(joined);
    if (!known) return anthropicError(404, "not_found_error", `Not found: /v1/${joined}`, meta.requestId);
    return refuse(
      new PolicyDenied(
        `Access denied: /v1/${joined} is not governed by PAT Fortress; only POST /v1/messages, POST /v1/messages/count_tokens and GET /v1/models are available`,
        undefined,
        "unsupported_endpoint",
      ),
      facts,
      meta.requestId,
    );
  }

  return {
    messages: (request) => proxied(request, "messages", `/v1/messages${new URL(request.url).search}`),
    countTokens: (request) => proxied(request, "count_tokens", `/v1/messages/count_tokens${new URL(request.url).search}`),
    listModels,
    other,
    drain: () => completions.drain(),
    completions,
  };
}

let shared: PatGateway | undefined;
/** The process-wide gateway the route handlers use. */
export function patGateway(): PatGateway {
  if (!shared) {
    const gateway = createPatGateway();
    shared = gateway;
    onShutdown(() => gateway.drain());
  }
  return shared;
}
