// Conditions in words a person reads: "Mon–Fri, 09:00–17:00 America/New_York", "Max 10 calls / hour
// per user". Used by rule lists, the Change Log and the simulator.
import type { RuleCondition, Weekday } from "./types";

const DAY = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

export function describeDays(days: Weekday[]): string {
  const sorted = [...new Set(days)].sort((a, b) => a - b);
  if (sorted.length === 7) return "Every day";
  // Contiguous runs read as ranges: Mon–Fri.
  const runs: number[][] = [];
  for (const d of sorted) {
    const last = runs[runs.length - 1];
    if (last && last[last.length - 1] === d - 1) last.push(d);
    else runs.push([d]);
  }
  return runs.map((r) => (r.length >= 3 ? `${DAY[r[0]]}–${DAY[r[r.length - 1]]}` : r.map((d) => DAY[d]).join(", "))).join(", ");
}

export function describeWindow(seconds: number): string {
  const units: [number, string][] = [
    [86_400, "day"],
    [3_600, "hour"],
    [60, "minute"],
  ];
  for (const [size, name] of units) {
    if (seconds % size === 0) {
      const n = seconds / size;
      return n === 1 ? name : `${n} ${name}s`;
    }
  }
  return seconds === 1 ? "second" : `${seconds} seconds`;
}

export function describeCondition(c: RuleCondition): string {
  switch (c.type) {
    case "time_window":
      return `${describeDays(c.days)}, ${c.start}–${c.end} ${c.timeZone}`;
    case "rate_limit":
      return `Max ${c.limit} call${c.limit === 1 ? "" : "s"} / ${describeWindow(c.windowSeconds)} per ${c.per}`;
    case "ip_allowlist":
      return `Only from ${c.cidrs.join(", ")}`;
    case "attribute":
      return `When ${c.expression}`;
    default:
      return "Unknown condition";
  }
}
