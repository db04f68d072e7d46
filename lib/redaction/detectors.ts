// Built-in PII detectors. Each one is linear in its input: the email detector is a hand scan around
// each "@", the others are regexes whose repetitions are bounded and which never need to backtrack
// far (no trailing assertion after an open-ended repetition). Masks follow the product guide:
//   user@domain.com → ████@████.███   (fixed shape: reveals neither the lengths nor the domain)
//   +1-555-123-4567 → +█-███-███-████ (every digit masked; +, separators and brackets kept)
//   123-45-6789     → ███-██-████
//   4111-1234-5678-9012 → ████-████-████-████
//
// What counts as a phone number (chosen to avoid eating dates, versions and ids):
//   - international: "+" then 1–3 digits, then groups of 1–4 digits separated by at most one space,
//     dot or dash (a group may be bracketed: "+44 (20) 7946 0958"), 8–15 digits in all (E.164);
//   - North American: 3-3-4 digits with separators, optional "(555) " area code and "1-" prefix:
//     "555-123-4567", "(555) 123-4567", "1 555 123 4567", "555.123.4567".
//   A bare digit run ("5551234567") is never a phone: it is more often an id, a timestamp or an order
//   number. Dates (2024-01-15), times, IPs and versions do not fit either shape.
// SSN: ddd-dd-dddd with dashes, not glued to other digits, letters or dashes.
// Card: 13–19 digits, optionally grouped by single spaces or dashes, passing the Luhn check; a run
// that fails Luhn is left untouched (so order numbers and most ids survive).
export const BLOCK = "█";
export const EMAIL_MASK = "████@████.███";

export type BuiltinType = "email" | "phone" | "ssn" | "creditCard";

const maskDigits = (s: string) => s.replace(/\d/g, BLOCK);

// --- email -------------------------------------------------------------------------------------
// RFC 5322 atext plus ".", for the local part; letters, digits, "-" and "." for the domain.
const LOCAL = new Uint8Array(128);
const DOMAIN = new Uint8Array(128);
for (const c of "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") {
  LOCAL[c.charCodeAt(0)] = 1;
  DOMAIN[c.charCodeAt(0)] = 1;
}
for (const c of "!#$%&'*+/=?^_`{|}~.-") LOCAL[c.charCodeAt(0)] = 1;
for (const c of ".-") DOMAIN[c.charCodeAt(0)] = 1;
const isLocal = (code: number) => code < 128 && LOCAL[code] === 1;
const isDomain = (code: number) => code < 128 && DOMAIN[code] === 1;
const isAlpha = (code: number) => (code >= 65 && code <= 90) || (code >= 97 && code <= 122);

/** End (exclusive) of the longest valid domain starting at `from`, or -1. */
function domainEnd(s: string, from: number): number {
  let r = from;
  while (r < s.length && isDomain(s.charCodeAt(r))) r++;
  // Shrink until the domain is label(.label)+ with an alphabetic TLD of 2+ letters.
  while (r > from) {
    while (r > from && (s[r - 1] === "." || s[r - 1] === "-")) r--;
    // Bounded backward search (lastIndexOf would scan the whole string: quadratic on "a@a@a@…").
    let lastDot = r - 1;
    while (lastDot > from && s.charCodeAt(lastDot) !== 46) lastDot--;
    if (lastDot <= from) return -1;
    let tldOk = r - lastDot - 1 >= 2;
    for (let k = lastDot + 1; tldOk && k < r; k++) tldOk = isAlpha(s.charCodeAt(k));
    if (tldOk) {
      // Every label non-empty (no "..", no leading dot).
      let ok = s[from] !== "." && s[from] !== "-";
      for (let k = from; ok && k < r - 1; k++) if (s[k] === "." && s[k + 1] === ".") ok = false;
      if (ok) return r;
      return -1;
    }
    r = lastDot;
  }
  return -1;
}

export function redactEmails(s: string, counts: Record<string, number>): string {
  let at = s.indexOf("@");
  if (at === -1) return s;
  let out = "";
  let last = 0;
  let found = 0;
  while (at !== -1) {
    let l = at;
    while (l > last && isLocal(s.charCodeAt(l - 1))) l--;
    const r = l < at ? domainEnd(s, at + 1) : -1;
    if (r !== -1) {
      out += s.slice(last, l) + EMAIL_MASK;
      last = r;
      found++;
      at = s.indexOf("@", r);
    } else {
      at = s.indexOf("@", at + 1);
    }
  }
  if (found === 0) return s;
  counts.email = (counts.email ?? 0) + found;
  return out + s.slice(last);
}

// --- credit cards --------------------------------------------------------------------------------
const CARD = /(?<![\w+])\d(?:[ -]?\d){12,18}(?!\w)/g;

export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

export function redactCards(s: string, counts: Record<string, number>): string {
  let found = 0;
  const out = s.replace(CARD, (m) => {
    if (!luhnValid(m.replace(/[ -]/g, ""))) return m;
    found++;
    return maskDigits(m);
  });
  if (found) counts.creditCard = (counts.creditCard ?? 0) + found;
  return out;
}

// --- SSN -----------------------------------------------------------------------------------------
const SSN = /(?<![\w-])\d{3}-\d{2}-\d{4}(?![\w-])/g;

export function redactSsns(s: string, counts: Record<string, number>): string {
  let found = 0;
  const out = s.replace(SSN, (m) => {
    found++;
    return maskDigits(m);
  });
  if (found) counts.ssn = (counts.ssn ?? 0) + found;
  return out;
}

// --- phones --------------------------------------------------------------------------------------
// No trailing look-ahead on the international form: a greedy match is accepted or refused in the
// callback (glued to a further digit or letter, or the wrong digit count), so it never backtracks.
const INTL = /(?<![\w+])\+\d{1,3}(?:[ .-]?(?:\(\d{1,4}\)|\d{1,4})){1,7}/g;
const NANP = /(?<![\w.+-])(?:1[ .-]?)?(?:\(\d{3}\) ?|\d{3}[ .-])\d{3}[ .-]\d{4}(?![\w-])/g;

export function redactPhones(s: string, counts: Record<string, number>): string {
  let found = 0;
  let out = s.replace(INTL, (m, offset: number, whole: string) => {
    const next = whole.charCodeAt(offset + m.length);
    if ((next >= 48 && next <= 57) || isAlpha(next)) return m;
    let digits = 0;
    for (let i = 0; i < m.length; i++) {
      const c = m.charCodeAt(i);
      if (c >= 48 && c <= 57) digits++;
    }
    if (digits < 8 || digits > 15) return m;
    found++;
    return maskDigits(m);
  });
  out = out.replace(NANP, (m) => {
    found++;
    return maskDigits(m);
  });
  if (found) counts.phone = (counts.phone ?? 0) + found;
  return out;
}

const HAS_DIGIT = /\d/;

export interface BuiltinSwitches {
  email: boolean;
  phone: boolean;
  ssn: boolean;
  creditCard: boolean;
}

/**
 * Applies the enabled built-in detectors. Order matters where shapes overlap: e-mail first (a local
 * part may hold digits), then phones (an international number can hold a 13-digit Luhn-valid run;
 * the "+" makes it a phone), then cards, then SSNs.
 */
export function redactBuiltins(s: string, on: BuiltinSwitches, counts: Record<string, number>): string {
  let out = s;
  if (on.email) out = redactEmails(out, counts);
  if ((on.creditCard || on.ssn || on.phone) && HAS_DIGIT.test(out)) {
    if (on.phone) out = redactPhones(out, counts);
    if (on.creditCard) out = redactCards(out, counts);
    if (on.ssn) out = redactSsns(out, counts);
  }
  return out;
}
