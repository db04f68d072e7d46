// Pure PAT maths, property-tested: prices, the admission reservation as an upper bound of the real
// cost, model allowlists (aliases and snapshots), and usage counting over arbitrarily split streams.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { modelAllowed, snapshotAlias } from "@/lib/gateway/pat/models";
import { costMicros, FALLBACK_RATES, maxCostMicros, modelFamily, PRICE_TABLE, ratesFor, type Usage } from "@/lib/gateway/pat/pricing";
import { utcMonth } from "@/lib/gateway/pat/spend";
import { jsonUsageMeter, sseUsageMeter } from "@/lib/gateway/pat/usage";

const models = fc.constantFrom(...Object.keys(PRICE_TABLE), "claude-sonnet-4-5-20250929", "claude-haiku-4-5-20251001", "some-unknown-model");
const tokens = fc.integer({ min: 0, max: 2_000_000 });
const usage = fc.record({ inputTokens: tokens, outputTokens: tokens, cacheCreationTokens: tokens, cacheReadTokens: tokens });

describe("pricing", () => {
  it("known figures", () => {
    // Sonnet 4.5: $3 in / $15 out per MTok → 1M in + 1M out = $18
    expect(costMicros("claude-sonnet-4-5-20250929", { inputTokens: 1_000_000, outputTokens: 1_000_000, cacheCreationTokens: 0, cacheReadTokens: 0 })).toBe(18_000_000);
    // Cache write 1.25×, cache read 0.1× input
    expect(costMicros("claude-sonnet-4-5", { inputTokens: 0, outputTokens: 0, cacheCreationTokens: 1_000_000, cacheReadTokens: 1_000_000 })).toBe(3_750_000 + 300_000);
    expect(modelFamily("claude-opus-4-5-20251101")).toBe("claude-opus-4-5");
    expect(modelFamily("claude-opus-4-20250514")).toBe("claude-opus-4");
    expect(ratesFor("claude-nobody-knows")).toEqual(FALLBACK_RATES);
  });

  it("cost is a non-negative integer, zero only for zero usage, and monotone in every counter", () => {
    fc.assert(
      fc.property(models, usage, fc.constantFrom<keyof Usage>("inputTokens", "outputTokens", "cacheCreationTokens", "cacheReadTokens"), fc.integer({ min: 1, max: 1000 }), (m, u, field, extra) => {
        const c = costMicros(m, u);
        expect(Number.isInteger(c)).toBe(true);
        expect(c).toBeGreaterThanOrEqual(0);
        expect(costMicros(m, { ...u, [field]: u[field] + extra })).toBeGreaterThanOrEqual(c);
      }),
    );
  });

  it("the reservation bounds the real cost when input ≤ body bytes and output ≤ max_tokens", () => {
    fc.assert(
      fc.property(models, fc.integer({ min: 1, max: 5_000_000 }), fc.integer({ min: 1, max: 200_000 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (m, bytes, maxTokens, a, b, o) => {
        // Split at most `bytes` input tokens between plain input, cache writes and cache reads.
        const total = Math.floor(bytes * a);
        const cw = Math.floor(total * b);
        const cr = Math.floor((total - cw) * b);
        const real = costMicros(m, { inputTokens: total - cw - cr, cacheCreationTokens: cw, cacheReadTokens: cr, outputTokens: Math.floor(maxTokens * o) });
        expect(maxCostMicros(m, bytes, maxTokens)).toBeGreaterThanOrEqual(real);
      }),
    );
  });

  it("months are UTC calendar months", () => {
    expect(utcMonth(new Date("2026-11-30T23:59:59.999Z"))).toBe("2026-11");
    expect(utcMonth(new Date("2026-12-01T00:00:00.000Z"))).toBe("2026-12");
    // 2026-12-01T00:30 in UTC+1 is still November in local time, but December in UTC.
    expect(utcMonth(new Date("2026-12-01T00:30:00+01:00"))).toBe("2026-11");
  });
});

describe("model allowlists", () => {
  const id = fc.stringMatching(/^claude-[a-z]{3,8}-[0-9](-[0-9])?$/);
  const date = fc.stringMatching(/^20[0-9]{6}$/);

  it("empty allows everything; an exact id allows itself", () => {
    fc.assert(fc.property(id, (m) => modelAllowed([], m) && modelAllowed([m], m)));
  });

  it("an alias allows its dated snapshots (and -latest aliases too), a snapshot never allows its alias or siblings", () => {
    fc.assert(
      fc.property(id, date, date, (alias, d1, d2) => {
        expect(snapshotAlias(`${alias}-${d1}`)).toBe(alias);
        expect(modelAllowed([alias], `${alias}-${d1}`)).toBe(true);
        expect(modelAllowed([`${alias}-latest`], `${alias}-${d1}`)).toBe(true);
        expect(modelAllowed([`${alias}-${d1}`], alias)).toBe(false);
        if (d1 !== d2) expect(modelAllowed([`${alias}-${d1}`], `${alias}-${d2}`)).toBe(false);
      }),
    );
  });

  it("an alias does not allow a longer family or a suffix that is not a date", () => {
    expect(modelAllowed(["claude-opus-4"], "claude-opus-4-5-20251101")).toBe(false);
    expect(modelAllowed(["claude-opus-4"], "claude-opus-4-20250514")).toBe(true);
    expect(modelAllowed(["claude-sonnet-4-5"], "claude-sonnet-4-5-evil")).toBe(false);
    expect(modelAllowed(["claude-sonnet-4-5"], "claude-sonnet-4-5-20250929x")).toBe(false);
    fc.assert(fc.property(id, id, (a, b) => a === b || !modelAllowed([a], b)));
  });
});

describe("usage meter", () => {
  const usageEvents = (input: number, cw: number, cr: number, out: number) =>
    [
      `event: message_start\ndata: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],"model":"m","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":${input},"cache_creation_input_tokens":${cw},"cache_read_input_tokens":${cr},"output_tokens":1}}}\n\n`,
      `event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n`,
      `event: ping\ndata: {"type": "ping"}\n\n`,
      `event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"h\u00e9llo \\"usage\\": {}"}}\n\n`,
      `event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n`,
      `event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":${Math.floor(out / 2)}}}\n\n`,
      `event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":${out}}}\n\n`,
      `event: message_stop\ndata: {"type":"message_stop"}\n\n`,
    ].join("");

  it("counts the same usage however the stream is split into chunks (CRLF too)", () => {
    fc.assert(
      fc.property(tokens, tokens, tokens, tokens, fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 200 }), fc.boolean(), (i, cw, cr, o, cuts, crlf) => {
        let text = usageEvents(i, cw, cr, o);
        if (crlf) text = text.replace(/\n/g, "\r\n");
        const bytes = Buffer.from(text);
        const meter = sseUsageMeter();
        let at = 0;
        for (let k = 0; at < bytes.length; k++) {
          const n = cuts[k % cuts.length];
          meter.push(bytes.subarray(at, at + n));
          at += n;
        }
        expect(meter.finish()).toEqual({ inputTokens: i, cacheCreationTokens: cw, cacheReadTokens: cr, outputTokens: o });
        expect(meter.messageId).toBe("msg_1");
        expect(meter.firstTokenAt).not.toBeNull();
      }),
    );
  });

  it("reads usage from a JSON message, and none from garbage", () => {
    const m = jsonUsageMeter();
    m.push(Buffer.from('{"id":"msg_2","usage":{"input_tokens":3,'));
    m.push(Buffer.from('"output_tokens":4,"cache_read_input_tokens":5}}'));
    expect(m.finish()).toEqual({ inputTokens: 3, outputTokens: 4, cacheCreationTokens: 0, cacheReadTokens: 5 });
    const g = jsonUsageMeter();
    g.push(Buffer.from("<html>bad gateway</html>"));
    expect(g.finish()).toEqual({ inputTokens: 0, outputTokens: 0, cacheCreationTokens: 0, cacheReadTokens: 0 });
  });
});
