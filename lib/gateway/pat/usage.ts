// Counts token usage from an upstream response while it passes through, without changing a byte.
// Streams (text/event-stream): input and cache tokens from `message_start`, output from the last
// `message_delta` (its usage counters are cumulative totals: overwrite, never add — the same rule
// the official SDK's MessageStream applies). Plain JSON: the `usage` object of the message.
import { ZERO_USAGE, type Usage } from "./pricing";

interface RawUsage {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
}

const n = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) && v >= 0 ? Math.floor(v) : null);

function apply(target: Usage, raw: RawUsage | undefined | null): void {
  if (!raw || typeof raw !== "object") return;
  const i = n(raw.input_tokens);
  const o = n(raw.output_tokens);
  const cw = n(raw.cache_creation_input_tokens);
  const cr = n(raw.cache_read_input_tokens);
  if (i !== null) target.inputTokens = i;
  if (o !== null) target.outputTokens = o;
  if (cw !== null) target.cacheCreationTokens = cw;
  if (cr !== null) target.cacheReadTokens = cr;
}

export interface UsageMeter {
  push(chunk: Uint8Array): void;
  /** Call once the body ended; returns the usage seen (zeros when none). */
  finish(): Usage;
  /** performance.now() when the first content delta (stream) or the first byte (JSON) went by. */
  firstTokenAt: number | null;
  /** A stream's `error` event, if one came (overloaded mid-stream…). */
  streamError: string | null;
  /** The message id seen (msg_…), when any. */
  messageId: string | null;
}

export function sseUsageMeter(): UsageMeter {
  const usage: Usage = { ...ZERO_USAGE };
  const decoder = new TextDecoder();
  let pending = "";
  const meter: UsageMeter = {
    firstTokenAt: null,
    streamError: null,
    messageId: null,
    push(chunk) {
      pending += decoder.decode(chunk, { stream: true });
      // Events are separated by a blank line; CRLF is legal SSE.
      for (;;) {
        let end = pending.indexOf("\n\n");
        let sep = 2;
        const crlf = pending.indexOf("\r\n\r\n");
        if (crlf !== -1 && (end === -1 || crlf < end)) {
          end = crlf;
          sep = 4;
        }
        if (end === -1) break;
        const block = pending.slice(0, end);
        pending = pending.slice(end + sep);
        handle(block);
      }
    },
    finish() {
      pending += decoder.decode();
      if (pending.trim()) handle(pending);
      pending = "";
      return { ...usage };
    },
  };
  function handle(block: string) {
    let event = "";
    let data = "";
    for (const line of block.split(/\r?\n/)) {
      if (line.startsWith("event:")) event = line.slice(6).trim();
      else if (line.startsWith("data:")) data += (data ? "\n" : "") + line.slice(5).replace(/^ /, "");
    }
    // Text deltas are the bulk of a stream and carry no usage: skip their JSON entirely.
    if (event === "content_block_delta" || (!event && data.includes('"content_block_delta"'))) {
      meter.firstTokenAt ??= performance.now();
      return;
    }
    if (!data || event === "ping") return;
    let parsed: any;
    try {
      parsed = JSON.parse(data);
    } catch {
      return;
    }
    const type = parsed?.type ?? event;
    if (type === "message_start") {
      apply(usage, parsed.message?.usage);
      if (typeof parsed.message?.id === "string") meter.messageId = parsed.message.id;
    } else if (type === "message_delta") apply(usage, parsed.usage);
    else if (type === "error") meter.streamError = String(parsed.error?.type ?? "error");
  }
  return meter;
}

/** JSON bodies: collected (they are archived anyway) and read once at the end. */
export function jsonUsageMeter(): UsageMeter {
  const chunks: Uint8Array[] = [];
  const meter: UsageMeter = {
    firstTokenAt: null,
    streamError: null,
    messageId: null,
    push(chunk) {
      meter.firstTokenAt ??= performance.now();
      chunks.push(chunk);
    },
    finish() {
      const usage: Usage = { ...ZERO_USAGE };
      try {
        const parsed = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        apply(usage, parsed?.usage);
        if (typeof parsed?.id === "string") meter.messageId = parsed.id;
      } catch {
        // not JSON (an HTML error page from a proxy…): no usage
      }
      return usage;
    },
  };
  return meter;
}
