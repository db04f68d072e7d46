// PII redaction: pure functions over strings and JSON values.
// CONTRACT: the engine belongs to the policy issue; the gateways call redactValue on tool results.
//
// redactText masks e-mail addresses, phone numbers, SSNs, Luhn-valid card numbers and the org's
// custom patterns in one string (see detectors.ts and custom-pattern.ts for the exact shapes and
// masks). redactValue walks a JSON value iteratively (no recursion, so deep documents cannot blow
// the stack) and redacts string values only: keys, numbers, booleans and null are kept, so the
// result is valid JSON of the same shape. redactJsonText does the same on raw JSON text without
// building the object tree. Counts come back per type: email, phone, ssn, creditCard, custom:<name>.
import { compileCustomPattern, redactCustom, type CompiledCustomPattern } from "./custom-pattern";
import { redactBuiltins } from "./detectors";

export { validateCustomPattern, PatternError, MAX_PATTERN_LENGTH } from "./custom-pattern";
export { EMAIL_MASK, luhnValid } from "./detectors";

export interface CustomPattern {
  name: string;
  /** A validated, backtracking-safe regular expression source (checked at save time). */
  pattern: string;
}

export interface RedactionSettings {
  email: boolean;
  phone: boolean;
  ssn: boolean;
  creditCard: boolean;
  custom: CustomPattern[];
}

export type RedactionCounts = Record<string, number>;

export interface RedactionResult<T> {
  value: T;
  counts: RedactionCounts;
}

/** Maximum nesting redactValue follows; deeper values (not produced by any sane API) are refused. */
export const MAX_DEPTH = 10_000;

interface Prepared {
  builtins: boolean;
  settings: RedactionSettings;
  custom: { name: string; compiled: CompiledCustomPattern }[];
  counts: RedactionCounts;
}

function prepare(settings: RedactionSettings, counts: RedactionCounts): Prepared {
  const custom: Prepared["custom"] = [];
  for (const p of settings.custom ?? []) {
    // A pattern that no longer validates (should not happen: checked at save time) fails closed:
    // compileCustomPattern throws and the caller refuses the response rather than leak it.
    custom.push({ name: p.name, compiled: compileCustomPattern(p.pattern) });
  }
  return { builtins: settings.email || settings.phone || settings.ssn || settings.creditCard, settings, custom, counts };
}

function redactString(s: string, p: Prepared): string {
  if (s.length === 0) return s;
  let out = p.builtins ? redactBuiltins(s, p.settings, p.counts) : s;
  for (const c of p.custom) {
    const r = redactCustom(out, c.compiled);
    if (r.count) {
      out = r.text;
      const key = `custom:${c.name}`;
      p.counts[key] = (p.counts[key] ?? 0) + r.count;
    }
  }
  return out;
}

/** Redacts one string. */
export function redactText(text: string, settings: RedactionSettings): { text: string; counts: RedactionCounts } {
  const counts: RedactionCounts = {};
  return { text: redactString(text, prepare(settings, counts)), counts };
}

function setKey(target: Record<string, unknown>, key: string, value: unknown) {
  if (key === "__proto__") Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/** Redacts every string inside a JSON value (keys untouched); the result is valid JSON of the same shape. */
export function redactValue<T>(value: T, settings: RedactionSettings): RedactionResult<T> {
  const counts: RedactionCounts = {};
  const p = prepare(settings, counts);
  const nothing = !p.builtins && p.custom.length === 0;

  // Returns the redacted copy of a leaf, or a fresh container to be filled from the stack.
  const visit = (v: unknown, depth: number, stack: [unknown, unknown, number][], seen: Set<object>): unknown => {
    if (typeof v === "string") return nothing ? v : redactString(v, p);
    if (v === null || typeof v !== "object") return v;
    const j = (v as { toJSON?: () => unknown }).toJSON;
    if (typeof j === "function") return visit(j.call(v), depth, stack, seen);
    if (depth > MAX_DEPTH) throw new RangeError(`JSON nested deeper than ${MAX_DEPTH}`);
    if (seen.has(v)) throw new TypeError("Cannot redact a value with a cycle");
    seen.add(v);
    const copy: unknown = Array.isArray(v) ? new Array(v.length) : {};
    stack.push([v, copy, depth]);
    return copy;
  };

  const stack: [unknown, unknown, number][] = [];
  const seen = new Set<object>();
  const root = visit(value, 0, stack, seen);
  while (stack.length) {
    const [src, dst, depth] = stack.pop()!;
    if (Array.isArray(src)) {
      const out = dst as unknown[];
      for (let i = 0; i < src.length; i++) out[i] = visit(src[i], depth + 1, stack, seen);
    } else {
      const out = dst as Record<string, unknown>;
      for (const k of Object.keys(src as object)) {
        const v = (src as Record<string, unknown>)[k];
        if (v === undefined || typeof v === "function" || typeof v === "symbol") continue; // as JSON.stringify
        setKey(out, k, visit(v, depth + 1, stack, seen));
      }
    }
  }
  return { value: root as T, counts };
}

/**
 * Redacts the string values of a JSON text without parsing it into objects: strings are located by
 * a single scan, keys (a string followed by ":") are kept, values are decoded only when they hold an
 * escape, redacted and re-encoded. If `text` is valid JSON the output is valid JSON of the same
 * shape; it throws on an unterminated string. (For text that may not be JSON, use redactText.)
 */
export function redactJsonText(text: string, settings: RedactionSettings): { text: string; counts: RedactionCounts } {
  const counts: RedactionCounts = {};
  const p = prepare(settings, counts);
  if (!p.builtins && p.custom.length === 0) return { text, counts };
  const parts: string[] = [];
  let last = 0;
  let i = 0;
  const n = text.length;
  // Next backslash at or after the scan position, found lazily: keeps the scan linear while letting
  // indexOf (not a JS loop) find the quotes of strings without escapes, which are the vast majority.
  let nextBackslash = text.indexOf("\\");
  while (i < n) {
    const q = text.indexOf('"', i);
    if (q === -1) break;
    let j = text.indexOf('"', q + 1);
    let escaped = false;
    if (nextBackslash !== -1 && nextBackslash < q) nextBackslash = text.indexOf("\\", q);
    if (nextBackslash !== -1 && (j === -1 || nextBackslash < j)) {
      escaped = true;
      for (j = q + 1; j < n; j++) {
        const c = text.charCodeAt(j);
        if (c === 92) j++;
        else if (c === 34) break;
      }
      nextBackslash = text.indexOf("\\", j);
    }
    if (j === -1 || j >= n) throw new SyntaxError(`Unterminated string in JSON at position ${q}`);
    let k = j + 1;
    while (k < n) {
      const c = text.charCodeAt(k);
      if (c === 32 || c === 9 || c === 10 || c === 13) k++;
      else break;
    }
    if (text.charCodeAt(k) !== 58 /* ":" → a key */) {
      const raw = escaped ? (JSON.parse(text.slice(q, j + 1)) as string) : text.slice(q + 1, j);
      const red = redactString(raw, p);
      if (red !== raw) {
        parts.push(text.slice(last, q), JSON.stringify(red));
        last = j + 1;
      }
    }
    i = j + 1;
  }
  if (last === 0) return { text, counts };
  parts.push(text.slice(last));
  return { text: parts.join(""), counts };
}
