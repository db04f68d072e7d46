// Custom redaction patterns (Bank / Zero Trust tiers; the tier check belongs to the admin API).
//
// JavaScript regexes backtrack and cannot be interrupted, so a customer pattern like (a+)+$ or
// (\d+)*x could freeze the gateway on one crafted document (ReDoS). We defend in two ways:
//
// 1. A static check at save time (validateCustomPattern) that only admits patterns whose worst case
//    is polynomial with a small, known bound:
//    - no backreferences (\1, \k<name>) and no lookarounds: they defeat any simple cost bound;
//    - no repeated group whose content is itself ambiguous (a quantifier with a choice, or an
//      alternation: (a+)+, (a|ab)*) unless the whole stays within the budget below: this is what
//      makes backtracking exponential. (?: ?\d{4}){4} passes (2⁴ paths), (a|aa)+ does not;
//    - open-ended repetitions are capped: *, + and {n,} become {0,64}, {1,64} and {n,n+64}
//      (REPEAT_CAP), so no quantifier can try more than 65 lengths from one position. A PII token
//      longer than that per repeated atom is not a realistic target;
//    - a cost budget: an upper bound on the backtracking paths from one start position (see
//      analyse), at most COST_BUDGET, so \w+@\w+ (64² paths) passes while .*a.*b.*c (65³) or
//      \d{1,1000}\d{1,1000} does not;
//    - at most MAX_PATTERN_LENGTH characters; it must compile and must not match the empty string.
// 2. At run time patterns only ever see bounded chunks (CHUNK characters, overlapping by OVERLAP), so
//    one chunk costs at most CHUNK × COST_BUDGET steps and a document is linear in its size. A match
//    longer than OVERLAP characters that straddles two chunks may be cut short; PII tokens are shorter.
//
// Masking: the pattern's literal prefix is kept ("MRN-\d{8}" → "MRN-████████", as in the product
// guide) and every letter or digit after it becomes █; punctuation keeps the shape readable. A match
// that is all literal prefix is masked entirely.
import { BLOCK } from "./detectors";

export const MAX_PATTERN_LENGTH = 200;
export const CHUNK = 1024;
export const OVERLAP = 256;
export const COST_BUDGET = 5_000;
export const REPEAT_CAP = 64;
const MAX_BOUNDED_REPEAT = 1000;

export interface ParsedPattern {
  body: string;
  flags: string;
}

/** Accepts "MRN-\d{8}" or the "/MRN-\d{8}/gi" form shown in the console; flags i, m, s, u are kept. */
export function splitPattern(src: string): ParsedPattern {
  const m = /^\/(.*)\/([a-z]*)$/s.exec(src);
  if (!m) return { body: src, flags: "" };
  const bad = m[2].replace(/[gimsuy]/g, "");
  if (bad) throw new PatternError(`Unknown regex flag "${bad[0]}" (allowed: i, m, s, u)`);
  return { body: m[1], flags: [...new Set(m[2].replace(/[gy]/g, ""))].join("") };
}

export class PatternError extends Error {}

interface Frame {
  hasQuant: boolean;
  hasAlt: boolean;
  /** Path counts of the finished alternatives, and of the one being read. */
  done: number;
  cur: number;
  /** `cur` before the last atom was multiplied in, so a quantifier can replace that atom's factor. */
  beforeLast: number;
  lastCost: number;
}

const newFrame = (): Frame => ({ hasQuant: false, hasAlt: false, done: 0, cur: 1, beforeLast: 1, lastCost: 1 });

/**
 * Static analysis of a regex body; throws PatternError explaining the first problem found. Computes
 * an upper bound on the backtracking paths from one start position: an atom repeated {n,m} whose own
 * paths are c contributes c^m × (m − n + 1); alternatives add up; a sequence multiplies. An exact
 * repetition (\d{4}) adds no choice, a repeated ambiguous group ((a|aa)+, (a+)+) explodes the bound.
 */
function analyse(body: string): { cost: number; rewritten: string; topLevelAlternation: boolean } {
  const stack: Frame[] = [newFrame()];
  let last: "none" | "atom" | Frame = "none";
  let i = 0;
  let out = "";
  const top = () => stack[stack.length - 1];
  const atom = (cost: number) => {
    const f = top();
    f.beforeLast = f.cur;
    f.lastCost = cost;
    f.cur *= cost;
  };
  const quant = (min: number, max: number, at: number) => {
    if (last === "none") throw new PatternError(`Nothing to repeat at position ${at}`);
    if (max > MAX_BOUNDED_REPEAT) throw new PatternError(`Repetition above ${MAX_BOUNDED_REPEAT} at position ${at}`);
    const f = top();
    const paths = Math.min(Number.MAX_VALUE, Math.pow(f.lastCost, max) * (max - min + 1));
    if (typeof last === "object" && f.lastCost > 1 && paths > COST_BUDGET) {
      throw new PatternError(
        `Repeated group containing ${last.hasQuant ? "a quantifier" : "an alternation"} at position ${at} (catastrophic backtracking risk); rewrite it without nesting`,
      );
    }
    f.cur = f.beforeLast * paths;
    f.lastCost = paths;
    f.hasQuant = true;
    last = "none";
  };
  while (i < body.length) {
    const c = body[i];
    if (c === "\\") {
      const e = body[i + 1];
      if (e === undefined) throw new PatternError("Pattern ends with a lone backslash");
      if (/[1-9]/.test(e) || (e === "k" && body[i + 2] === "<")) throw new PatternError(`Backreference at position ${i} is not allowed`);
      const from = i;
      if ((e === "p" || e === "P" || e === "u") && body[i + 2] === "{") {
        const close = body.indexOf("}", i);
        i = close === -1 ? body.length : close + 1;
      } else i += 2;
      out += body.slice(from, i);
      atom(1);
      last = "atom";
      continue;
    }
    if (c === "[") {
      let j = i + 1;
      if (body[j] === "^") j++;
      if (body[j] === "]") j++;
      while (j < body.length && body[j] !== "]") j += body[j] === "\\" ? 2 : 1;
      if (j >= body.length) throw new PatternError(`Unclosed character class at position ${i}`);
      out += body.slice(i, j + 1);
      i = j + 1;
      atom(1);
      last = "atom";
      continue;
    }
    if (c === "(") {
      if (body[i + 1] === "?") {
        const k = body.slice(i + 2, i + 4);
        if (k[0] === "=" || k[0] === "!" || k === "<=" || k === "<!") throw new PatternError(`Lookaround at position ${i} is not allowed`);
      }
      stack.push(newFrame());
      const next = body[i + 1] === "?" ? (body[i + 2] === ":" ? i + 3 : body.indexOf(">", i) + 1 || body.length) : i + 1;
      out += body.slice(i, next);
      i = next;
      last = "none";
      continue;
    }
    if (c === ")") {
      if (stack.length === 1) throw new PatternError(`Unmatched ")" at position ${i}`);
      const f = stack.pop()!;
      atom(f.done + f.cur);
      if (f.hasQuant) top().hasQuant = true;
      last = f;
      out += c;
      i++;
      continue;
    }
    if (c === "|") {
      const f = top();
      f.hasAlt = true;
      f.done += f.cur;
      f.cur = 1;
      f.beforeLast = 1;
      f.lastCost = 1;
      last = "none";
      out += c;
      i++;
      continue;
    }
    if (c === "*" || c === "+" || c === "?") {
      if (c === "?") quant(0, 1, i);
      else quant(c === "*" ? 0 : 1, REPEAT_CAP, i);
      out += c === "?" ? "?" : c === "*" ? `{0,${REPEAT_CAP}}` : `{1,${REPEAT_CAP}}`;
      i++;
      if (body[i] === "?") out += body[i++];
      continue;
    }
    if (c === "{") {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(body.slice(i, i + 16));
      if (m) {
        const min = Number(m[1]);
        const open = m[2] !== undefined && m[3] === "";
        const max = m[2] === undefined ? min : open ? min + REPEAT_CAP : Number(m[3]);
        if (max < min) throw new PatternError(`Repetition {${min},${max}} out of order at position ${i}`);
        quant(min, max, i);
        out += open ? `{${min},${max}}` : m[0];
        i += m[0].length;
        if (body[i] === "?") out += body[i++];
        continue;
      }
    }
    if (c !== "^" && c !== "$") atom(1);
    last = c === "^" || c === "$" ? "none" : "atom";
    out += c;
    i++;
  }
  if (stack.length !== 1) throw new PatternError("Unclosed group");
  return { cost: stack[0].done + stack[0].cur, rewritten: out, topLevelAlternation: stack[0].hasAlt };
}

/** Length of the pattern's leading literal text ("MRN-\d{8}" → "MRN-" → 4). */
export function literalPrefixLength(body: string): number {
  let n = 0;
  let i = 0;
  let lastLen = 0;
  while (i < body.length) {
    const c = body[i];
    if (c === "\\") {
      const e = body[i + 1];
      if (e === undefined || /[A-Za-z0-9]/.test(e)) break; // \d, \w, \b, \u… are classes, not literals
      lastLen = 1;
      n++;
      i += 2;
      continue;
    }
    if ("^$.|?*+()[]{}".includes(c)) {
      if (c === "^" && i === 0) {
        i++;
        continue;
      }
      if ("?*+{".includes(c)) n -= lastLen; // the last literal is optional or repeated
      break;
    }
    lastLen = 1;
    n++;
    i++;
  }
  return Math.max(0, n);
}

export type PatternValidation = { ok: true } | { ok: false; error: string };

/** Save-time check: may this pattern be stored? (See the module header for what is refused and why.) */
export function validateCustomPattern(src: string): PatternValidation {
  try {
    compileCustomPattern(src);
    return { ok: true };
  } catch (err) {
    if (err instanceof PatternError) return { ok: false, error: err.message };
    throw err;
  }
}

export interface CompiledCustomPattern {
  regex: RegExp;
  prefixLength: number;
}

const cache = new Map<string, CompiledCustomPattern>();

/** Validates and compiles (cached by source); throws PatternError. */
export function compileCustomPattern(src: string): CompiledCustomPattern {
  const hit = cache.get(src);
  if (hit) return hit;
  if (typeof src !== "string" || src.length === 0) throw new PatternError("Pattern is empty");
  if (src.length > MAX_PATTERN_LENGTH) throw new PatternError(`Pattern longer than ${MAX_PATTERN_LENGTH} characters`);
  const { body, flags } = splitPattern(src);
  try {
    new RegExp(body, `${flags}g`);
  } catch (err) {
    throw new PatternError(`Not a valid regular expression: ${(err as Error).message}`);
  }
  const { cost, rewritten, topLevelAlternation } = analyse(body);
  if (cost > COST_BUDGET) {
    throw new PatternError("Pattern too costly to run safely: too many or too large repetitions in a row (e.g. .*a.*b.*c); bound them, e.g. \\w{1,20}");
  }
  let regex: RegExp;
  try {
    regex = new RegExp(rewritten, `${flags}g`);
  } catch (err) {
    throw new PatternError(`Not a valid regular expression: ${(err as Error).message}`);
  }
  if (new RegExp(`^(?:${rewritten})$`, flags).test("")) throw new PatternError("Pattern matches the empty string");
  // With alternatives at the top ("MRN-\d{8}|ACC-\d{6}") no prefix is common to every match.
  const compiled = { regex, prefixLength: topLevelAlternation ? 0 : literalPrefixLength(body) };
  if (cache.size > 1000) cache.clear();
  cache.set(src, compiled);
  return compiled;
}

const ALNUM = /[\p{L}\p{N}]/gu;

function mask(match: string, prefixLength: number): string {
  const keep = prefixLength > 0 && prefixLength < match.length ? prefixLength : 0;
  return match.slice(0, keep) + match.slice(keep).replace(ALNUM, BLOCK);
}

/** Masks every match of one custom pattern in `s`, running the regex on bounded chunks only. */
export function redactCustom(s: string, p: CompiledCustomPattern): { text: string; count: number } {
  const ranges: [number, number][] = [];
  const step = CHUNK - OVERLAP;
  let covered = 0;
  for (let start = 0; start < s.length; start += step) {
    const end = Math.min(s.length, start + CHUNK);
    const chunk = start === 0 && end === s.length ? s : s.slice(start, end);
    const isLast = end === s.length;
    const re = p.regex;
    re.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(chunk)) !== null) {
      if (m[0].length === 0) {
        re.lastIndex++;
        continue;
      }
      const abs = start + m.index;
      // Matches starting in the overlap are left to the next chunk, which sees them whole.
      if (!isLast && m.index >= step) break;
      if (abs >= covered) {
        ranges.push([abs, abs + m[0].length]);
        covered = abs + m[0].length;
      }
    }
    if (isLast) break;
  }
  if (ranges.length === 0) return { text: s, count: 0 };
  let out = "";
  let last = 0;
  for (const [a, b] of ranges) {
    out += s.slice(last, a) + mask(s.slice(a, b), p.prefixLength);
    last = b;
  }
  return { text: out + s.slice(last), count: ranges.length };
}
