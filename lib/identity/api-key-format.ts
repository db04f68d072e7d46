// Org API key format: fk_live_<40 base62 chars> (~238 bits). The fixed, visible prefix lets secret
// scanners (GitHub push protection, gitleaks) recognise a leaked key; only its SHA-256 is stored.
import { constantTimeEqualHex, randomBase62, sha256Hex } from "../crypto/tokens";

export const API_KEY_PREFIX = "fk_live_";
const SECRET_LENGTH = 40;
const PATTERN = /^fk_live_[0-9A-Za-z]{40}$/;
/** How much of a key lists and logs may show: the prefix plus 4 characters. */
export const DISPLAY_LENGTH = API_KEY_PREFIX.length + 4;

export function generateApiKey(): { key: string; prefix: string; hash: string } {
  const key = API_KEY_PREFIX + randomBase62(SECRET_LENGTH);
  return { key, prefix: key.slice(0, DISPLAY_LENGTH), hash: hashApiKey(key) };
}

export const hashApiKey = (key: string) => sha256Hex(key);
export const isWellFormedApiKey = (key: string) => PATTERN.test(key);
export const apiKeyHashMatches = (storedHash: string, presentedHash: string) => constantTimeEqualHex(storedHash, presentedHash);
