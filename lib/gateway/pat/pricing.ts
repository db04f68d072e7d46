// Anthropic's published per-model rates, versioned, and the pure cost maths PAT Fortress uses for
// spend caps and the usage screens. Money is integer micro-USD (1 USD = 1,000,000); rates are
// micro-USD per million tokens, so every rate is an integer and no float ever touches money.
// Estimates only (spec: "for budget planning only"); Anthropic's invoice is the authority. Rates
// from Anthropic's pricing page (5-minute cache writes; 1-hour writes are billed at 2 × input and
// counted here at the 5-minute rate). A model not in the table is priced at the table's highest rates.

export const PRICE_TABLE_VERSION = "2026-11-23";

export interface ModelRates {
  /** micro-USD per million tokens */
  input: number;
  output: number;
  /** 5-minute cache write (1.25 × input) */
  cacheWrite: number;
  /** cache hit (0.1 × input) */
  cacheRead: number;
}

const usd = (perMTok: number) => Math.round(perMTok * 1_000_000);
const rates = (input: number, output: number): ModelRates => ({
  input: usd(input),
  output: usd(output),
  cacheWrite: usd(input * 1.25),
  cacheRead: usd(input * 0.1),
});

/** Keyed by model family (alias without date); dated snapshots resolve to their family. */
export const PRICE_TABLE: Record<string, ModelRates> = {
  "claude-fable-5-1": rates(10, 50),
  "claude-opus-5-5": rates(4, 20),
  "claude-opus-5": rates(5, 25),
  "claude-sonnet-5-5": rates(2, 10),
  "claude-sonnet-5": rates(2, 10),
  "claude-opus-4-6": rates(5, 25),
  "claude-sonnet-4-6": rates(3, 15),
  "claude-opus-4-5": rates(5, 25),
  "claude-opus-4-1": rates(15, 75),
  "claude-opus-4": rates(15, 75),
  "claude-sonnet-4-5": rates(3, 15),
  "claude-sonnet-4": rates(3, 15),
  "claude-3-7-sonnet": rates(3, 15),
  "claude-3-5-sonnet": rates(3, 15),
  "claude-haiku-4-5": rates(1, 5),
  "claude-3-5-haiku": rates(0.8, 4),
  "claude-3-opus": rates(15, 75),
  "claude-3-haiku": rates(0.25, 1.25),
};

/** An unknown model is priced at the highest rates in the table, so a cap can never be undercut. */
export const FALLBACK_RATES: ModelRates = Object.values(PRICE_TABLE).reduce((a, b) => ({
  input: Math.max(a.input, b.input),
  output: Math.max(a.output, b.output),
  cacheWrite: Math.max(a.cacheWrite, b.cacheWrite),
  cacheRead: Math.max(a.cacheRead, b.cacheRead),
}));

const FAMILIES = Object.keys(PRICE_TABLE).sort((a, b) => b.length - a.length);

/** The family a model id belongs to: exact key, or the longest key followed by "-…" (a snapshot). */
export function modelFamily(model: string): string | null {
  for (const f of FAMILIES) if (model === f || model.startsWith(`${f}-`)) return f;
  return null;
}

export function ratesFor(model: string): ModelRates {
  const family = modelFamily(model);
  return family ? PRICE_TABLE[family] : FALLBACK_RATES;
}

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  cacheCreationTokens: number;
  cacheReadTokens: number;
}

export const ZERO_USAGE: Usage = { inputTokens: 0, outputTokens: 0, cacheCreationTokens: 0, cacheReadTokens: 0 };

/** Cost in micro-USD, rounded up once over the whole request (never under-counts). */
export function costMicros(model: string, usage: Usage): number {
  const r = ratesFor(model);
  const scaled =
    usage.inputTokens * r.input +
    usage.outputTokens * r.output +
    usage.cacheCreationTokens * r.cacheWrite +
    usage.cacheReadTokens * r.cacheRead;
  return Math.ceil(scaled / 1_000_000);
}

/** Tokens a document or image fetched by URL / file id may add; not bounded by the body size. */
export const REMOTE_SOURCE_ALLOWANCE = 100_000;

/**
 * The most a request may cost, reserved at admission. Input: at most one token per body byte (a
 * token encodes at least one character, a character at least one byte of JSON), billed at the
 * dearer of input and cache-write rates, plus an allowance per remote document/image; output:
 * max_tokens at the output rate (thinking tokens are part of max_tokens).
 */
export function maxCostMicros(model: string, bodyBytes: number, maxTokens: number, remoteSources = 0): number {
  const r = ratesFor(model);
  const inputTokens = bodyBytes + remoteSources * REMOTE_SOURCE_ALLOWANCE;
  const scaled = inputTokens * Math.max(r.input, r.cacheWrite) + maxTokens * r.output;
  return Math.ceil(scaled / 1_000_000);
}

export const formatUsd = (micros: number) => `$${(micros / 1_000_000).toFixed(micros < 10_000 ? 4 : 2)}`;
