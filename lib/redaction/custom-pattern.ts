// Custom redaction patterns (Bank / Zero Trust tiers; the tier check belongs to the admin API).
//
// JavaScript regexes backtrack and cannot be interrupted, so a customer pattern like (a+)+$ or
// (\d+)*x could freeze the gateway on one crafted document (ReDoS). We defend in two ways:
//
// 1. A static check at save time (validateCustomPattern) that only admits patterns whose worst case
//    is polynomial with a small, known bound:
//    - no backreferences (\1, \k<name>) and no lookarounds: they defeat any simple cost bound;
//    - no repeated group that itself contains a quantifier or an alternation ((a+)+, (a|ab)*):
//      this is what makes backtracking exponential;
//    - a cost budget: the product over quantifiers of (max repetitions + 1), an open-ended one
//      (*, +, {n,}) counting as a whole chunk (CHUNK characters), times the alternation branches.
//      One open-ended quantifier passes (\w+, MRN-\d+); two overlapping ones (\d+\d+, .*x.*y), which
//      are quadratic or worse per start position, do not: bound them ({1,64}) instead;
//    - at most MAX_PATTERN_LENGTH characters; it must compile and must not match the empty string.
// 2. At run time patterns only ever see bounded chunks (CHUNK characters, overlapping by OVERLAP), so
//    the work per chunk is bounded by CHUNK × budget whatever the document's size. A match longer than
//    OVERLAP characters that straddles two chunks may be cut short; PII tokens are far shorter.
//
// Masking: the pattern's literal prefix is kept ("MRN-\d{8}" → "MRN-████████", as in the product
// guide) and every letter or digit after it becomes █; punctuation keeps the shape readable. A match
// that is all literal prefix is masked entirely.
import { BLOCK } from "./detectors";

export const MAX_PATTERN_LENGTH = 200;
export const CHUNK = 1024;
export const OVERLAP = 256;
export const COST_BUDGET = 100_000;
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
  branches: number;
}

/** Static analysis of a regex body; throws PatternError explaining the first problem found. */
function analyse(body: string): { cost: number } {
  const stack: Frame[] = [{ hasQuant: false, hasAlt: false, branches: 1 }];
  let cost = 1;
  let last: "none" | "atom" | Frame = "none";
  let i = 0;
  const quant = (max: number, at: number) => {
    if (last === "none") throw new PatternError(`Nothing to repeat at position ${at}`);
    if (typeof last === "object" && (last.hasQuant || last.hasAlt) && max > 1) {
      throw new PatternError(
        `Repeated group containing ${last.hasQuant ? "a quantifier" : "an alternation"} at position ${at} (catastrophic backtracking risk); rewrite it without nesting`,
      );
    }
    if (max !== Infinity && max > MAX_BOUNDED_REPEAT) throw new PatternError(`Repetition above ${MAX_BOUNDED_REPEAT} at position ${at}`);
    cost *= max === Infinity ? CHUNK + 1 : max + 1;
    stack[stack.length - 1].hasQuant = true;
    last = "none";
  };
  while (i < body.length) {
    const c = body[i];
    if (c === "\\") {
      const e = body[i + 1];
      if (e === undefined) throw new PatternError("Pattern ends with a lone backslash");
      if (/[1-9]/.test(e) || (e === "k" && body[i + 2] === "<")) throw new PatternError(`Backreference at position ${i} is not allowed`);
      if ((e === "p" || e === "P") && body[i + 2] === "{") {
        const close = body.indexOf("}", i);
        i = close === -1 ? body.length : close + 1;
      } else if (e === "u" && body[i + 2] === "{") {
        const close = body.indexOf("}", i);
        i = close === -1 ? body.length : close + 1;
      } else i += 2;
      last = "atom";
      continue;
    }
    if (c === "[") {
      let j = i + 1;
      if (body[j] === "^") j++;
      if (body[j] === "]") j++;
      while (j < body.length && body[j] !== "]") j += body[j] === "\\" ? 2 : 1;
      if (j >= body.length) throw new PatternError(`Unclosed character class at position ${i}`);
      i = j + 1;
      last = "atom";
      continue;
    }
    if (c === "(") {
      if (body[i + 1] === "?") {
        const k = body.slice(i + 2, i + 4);
        if (k[0] === "=" || k[0] === "!" || k === "<=" || k === "<!") throw new PatternError(`Lookaround at position ${i} is not allowed`);
      }
      stack.push({ hasQuant: false, hasAlt: false, branches: 1 });
      i += body[i + 1] === "?" ? (body[i + 2] === ":" ? 3 : body.indexOf(">", i) + 1 || body.length) : 1;
      last = "none";
      continue;
    }
    if (c === ")") {
      if (stack.length === 1) throw new PatternError(`Unmatched ")" at position ${i}`);
      const f = stack.pop()!;
      cost *= f.branches;
      const parent = stack[stack.length - 1];
      if (f.hasQuant) parent.hasQuant = true;
      last = f;
      i++;
      continue;
    }
    if (c === "|") {
      const f = stack[stack.length - 1];
      f.hasAlt = true;
      f.branches++;
      last = "none";
      i++;
      continue;
    }
    if (c === "*" || c === "+" || c === "?") {
      quant(c === "?" ? 1 : Infinity, i);
      i++;
      if (body[i] === "?") i++;
      continue;
    }
    if (c === "{") {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(body.slice(i, i + 16));
      if (m) {
        const max = m[2] === undefined ? Number(m[1]) : m[3] === "" ? Infinity : Number(m[3]);
        quant(max, i);
        i += m[0].length;
        if (body[i] === "?") i++;
        continue;
      }
    }
    last = c === "^" || c === "$" ? "none" : "atom";
    i++;
  }
  if (stack.length !== 1) throw new PatternError("Unclosed group");
  cost *= stack[0].branches;
  return { cost };
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
  let regex: RegExp;
  try {
    regex = new RegExp(body, `${flags}g`);
  } catch (err) {
    throw new PatternError(`Not a valid regular expression: ${(err as Error).message}`);
  }
  const { cost } = analyse(body);
  if (cost > COST_BUDGET) {
    throw new PatternError(
      "Pattern too costly to run safely: use at most one open-ended repetition (+, *, {n,}) and bound the others, e.g. \\w{1,64}",
    );
  }
  if (new RegExp(`^(?:${body})$`, flags).test("")) throw new PatternError("Pattern matches the empty string");
  const compiled = { regex, prefixLength: literalPrefixLength(body) };
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
