// PAT Fortress's relay: what happens after an admitted request reached Anthropic. The response goes
// back byte for byte as it arrives; a usage meter reads the same bytes (SSE events or the JSON body);
// the exchange is captured for the encrypted archive; and once the body ends (or the client leaves),
// the request's bookkeeping is handed to the completion window, never delaying the client.
import { rememberBody } from "../../http/body";
import { logger } from "../../log";
import type * as vault from "../../vault";
import { archiveExchange, exchangeRecord, type ArchiveResult } from "./archive";
import type { CompletionWindow } from "./completions";
import { FORTRESS_REQUEST_ID } from "./errors";
import { costMicros, PRICE_TABLE_VERSION } from "./pricing";
import { complete, type RequestFacts, type SpendKey } from "./record";
import { forwardedRequestHeaders, responseHeaders, type UpstreamAnswer } from "./upstream";
import { jsonUsageMeter, sseUsageMeter } from "./usage";

/** Archived response bodies are capped; a longer one is archived truncated and marked so. */
const ARCHIVE_RESPONSE_LIMIT = 32 * 1024 * 1024;

export interface RelayContext {
  /** Archive every exchange. */
  archive: boolean;
  sealObject: typeof vault.sealObject;
  completions: CompletionWindow<ArchiveResult>;
}

/** What the relay needs to know about the admitted request. */
export interface RelayedRequest {
  facts: RequestFacts;
  /** The client's body as it was sent upstream (null for GET). */
  body: Uint8Array | null;
  spend: SpendKey | null;
  reservedMicros: number;
  /** performance.now() when the request arrived. */
  started: number;
}

/**
 * The answer to an admitted request: the upstream response relayed as it arrives (no added buffering:
 * one chunk read per chunk the client asks for; a small JSON answer already read whole is handed over
 * whole), usage counted on the way through; at the end the
 * exchange goes into the completion window (archive object, settled spend, log row, completion event).
 */
export function relayResponse(ctx: RelayContext, a: RelayedRequest, request: Request, res: UpstreamAnswer, path: string): Response {
  const headers = responseHeaders(res.headers);
  headers.set(FORTRESS_REQUEST_ID, a.facts.requestId);
  const contentType = headers.get("content-type") ?? "";
  const meter = contentType.startsWith("text/event-stream") ? sseUsageMeter() : jsonUsageMeter();
  const captured: Buffer[] = [];
  let capturedBytes = 0;
  let truncated = false;
  const iterator = res.body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let finished = false;
  let finishedAt = 0;

  const finish = (aborted: boolean) => {
    if (finished) return;
    finished = true;
    finishedAt = performance.now();
    const requestId = a.facts.requestId;
    ctx.completions.add({
      // An archive that failed for an unforeseen reason must not cost the settlement: the spend is
      // still settled and the row written, marked as not archived.
      prepare: () =>
        archive().catch((err): ArchiveResult => {
          logger().error({ err, requestId }, "pat archive: could not be built");
          return { status: "unsealed" };
        }),
      record: (archived) => settle(aborted, archived).catch((err) => logger().error({ err, requestId }, "pat: completion bookkeeping failed")),
    });
  };

  /** The exchange, sealed and stored (the object's hash goes into the completion event). */
  async function archive(): Promise<ArchiveResult> {
    if (!ctx.archive) return { status: "none" };
    const record = exchangeRecord({
      requestId: a.facts.requestId,
      orgId: a.facts.principal.orgId,
      at: a.facts.startedAt,
      request: { method: request.method, path, headers: forwardedRequestHeaders(request.headers), body: a.body },
      response: { status: res.statusCode, headers, body: captured, truncated },
    });
    captured.length = 0;
    return archiveExchange(record, ctx.sealObject);
  }

  /** Spend settled to the real cost, the log row, the completion audit event. */
  async function settle(aborted: boolean, archived: ArchiveResult) {
    const usage = meter.finish();
    const model = a.facts.model ?? "";
    const cost = a.facts.endpoint === "messages" ? costMicros(model, usage) : 0;
    const ok = res.statusCode < 400 && !meter.streamError && !aborted;
    const reason = aborted ? "client disconnected or stream broken" : meter.streamError ? `stream error: ${meter.streamError}` : res.statusCode >= 400 ? `upstream ${res.statusCode}` : undefined;
    await complete(
      a.facts,
      {
        status: res.statusCode,
        decision: ok ? "allow" : "error",
        reason,
        latencyMs: Math.round(finishedAt - a.started),
        ttftMs: meter.firstTokenAt === null ? null : Math.round(meter.firstTokenAt - a.started),
        usage,
        costMicros: cost,
        reservedMicros: a.reservedMicros,
        priceVersion: PRICE_TABLE_VERSION,
        upstreamRequestId: headers.get("request-id"),
        archive: archived,
      },
      a.spend,
    );
  }

  if (res.whole) {
    // Read whole while the audit event committed (upstream.ts): counted, captured and handed over
    // in one piece, written by the node adapter in one write.
    meter.push(res.whole);
    if (ctx.archive) captured.push(res.whole);
    finish(false);
    return rememberBody(new Response(res.whole as Uint8Array<ArrayBuffer>, { status: res.statusCode, headers }), res.whole);
  }
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const { value, done } = await iterator.next();
          if (done) {
            controller.close();
            finish(false);
            return;
          }
          meter.push(value);
          if (ctx.archive) {
            if (capturedBytes + value.byteLength <= ARCHIVE_RESPONSE_LIMIT) {
              captured.push(value);
              capturedBytes += value.byteLength;
            } else truncated = true;
          }
          controller.enqueue(value);
        } catch (err) {
          controller.error(err);
          finish(true);
        }
      },
      cancel() {
        res.body.destroy();
        finish(true);
      },
    },
    { highWaterMark: 0 },
  );
  // 204/304 carry no body by definition.
  const nullBody = res.statusCode === 204 || res.statusCode === 304;
  if (nullBody) {
    void res.body.dump();
    finish(false);
  }
  return new Response(nullBody ? null : body, { status: res.statusCode, headers });
}
