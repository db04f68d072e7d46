// Explainable anomaly detectors: pure functions over counts a person can check. Each returns either
// null or a finding naming the detector, the numbers behind it and a sentence saying why.
import ipaddr from "ipaddr.js";

export interface Finding {
  detector: "call_rate_baseline" | "denial_burst" | "new_network" | "destructive_burst";
  principal: { id: string; label: string | null };
  summary: string;
  numbers: Record<string, number | string>;
}

export interface Principal {
  id: string;
  label: string | null;
}

/** A user's call rate far above their own rolling baseline (mean of previous equal windows). */
export function callRateAboveBaseline(
  p: Principal,
  current: number,
  history: number[],
  o: { factor?: number; minCalls?: number; minHistory?: number; windowLabel?: string } = {},
): Finding | null {
  const factor = o.factor ?? 5;
  const minCalls = o.minCalls ?? 30;
  const minHistory = o.minHistory ?? 6;
  if (history.length < minHistory) return null; // no baseline yet: nothing to compare with
  const baseline = history.reduce((a, b) => a + b, 0) / history.length;
  const threshold = Math.max(minCalls, factor * Math.max(baseline, 1));
  if (current < threshold) return null;
  const ratio = current / Math.max(baseline, 1);
  return {
    detector: "call_rate_baseline",
    principal: p,
    summary: `${p.label ?? p.id} made ${current} calls in the last ${o.windowLabel ?? "hour"}, ${ratio.toFixed(1)}× their baseline of ${baseline.toFixed(1)} (alert at ${factor}× and at least ${minCalls} calls)`,
    numbers: { current, baseline: Math.round(baseline * 10) / 10, ratio: Math.round(ratio * 10) / 10, factor, threshold: Math.round(threshold), windows: history.length },
  };
}

/** Many denials in a short window, and most of the principal's calls denied. */
export function denialBurst(p: Principal, denials: number, total: number, o: { minDenials?: number; minRatio?: number; windowMinutes?: number } = {}): Finding | null {
  const minDenials = o.minDenials ?? 10;
  const minRatio = o.minRatio ?? 0.5;
  const windowMinutes = o.windowMinutes ?? 10;
  if (denials < minDenials || total === 0 || denials / total < minRatio) return null;
  return {
    detector: "denial_burst",
    principal: p,
    summary: `${p.label ?? p.id} was denied ${denials} of ${total} calls in ${windowMinutes} minutes (alert at ${minDenials} denials and ${Math.round(minRatio * 100)} %)`,
    numbers: { denials, total, ratio: Math.round((denials / total) * 100) / 100, min_denials: minDenials, window_minutes: windowMinutes },
  };
}

/** The /24 (IPv4) or /48 (IPv6) network an address belongs to, e.g. "203.0.113.0/24". */
export function networkOf(ip: string): string | null {
  try {
    let addr = ipaddr.parse(ip);
    if (addr.kind() === "ipv6" && (addr as ipaddr.IPv6).isIPv4MappedAddress()) addr = (addr as ipaddr.IPv6).toIPv4Address();
    if (addr.kind() === "ipv4") {
      const b = (addr as ipaddr.IPv4).octets;
      return `${b[0]}.${b[1]}.${b[2]}.0/24`;
    }
    const parts = (addr as ipaddr.IPv6).parts;
    return `${parts.slice(0, 3).map((x) => x.toString(16)).join(":")}::/48`;
  } catch {
    return null;
  }
}

/** First use from a network never seen for this principal (only once a history exists). */
export function newNetwork(p: Principal, ip: string, known: Iterable<string>): Finding | null {
  const network = networkOf(ip);
  if (!network) return null;
  const seen = new Set(known);
  if (seen.size === 0 || seen.has(network)) return null;
  return {
    detector: "new_network",
    principal: p,
    summary: `${p.label ?? p.id} called from ${network} for the first time (seen before from ${seen.size} other network${seen.size === 1 ? "" : "s"})`,
    numbers: { network, ip, known_networks: seen.size },
  };
}

const DESTRUCTIVE = /(^|[_./:-])(delete|destroy|remove|drop|purge|wipe|revoke|truncate|erase)/i;

/** Is this call destructive? The connector's own flag when present, else its name. */
export function isDestructive(action: string, target: string | null, flagged?: unknown): boolean {
  if (flagged === true) return true;
  if (flagged === false) return false;
  return DESTRUCTIVE.test(target ?? "") || DESTRUCTIVE.test(action);
}

/** A burst of destructive actions (deletes, removals…) in a short window. */
export function destructiveBurst(p: Principal, count: number, examples: string[], o: { threshold?: number; windowMinutes?: number } = {}): Finding | null {
  const threshold = o.threshold ?? 5;
  const windowMinutes = o.windowMinutes ?? 10;
  if (count < threshold) return null;
  return {
    detector: "destructive_burst",
    principal: p,
    summary: `${p.label ?? p.id} ran ${count} destructive actions in ${windowMinutes} minutes (alert at ${threshold}), e.g. ${[...new Set(examples)].slice(0, 3).join(", ")}`,
    numbers: { count, threshold, window_minutes: windowMinutes },
  };
}
