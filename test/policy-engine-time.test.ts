// Time windows at DST boundaries. The oracle reads the zone's UTC offset through a different Intl path
// (timeZoneName: "longOffset") and does the wall-clock arithmetic itself.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatDays, inTimeWindow, parseTimeWindow } from "@/lib/policy/time-window";
import type { Weekday } from "@/lib/policy/types";

function offsetMinutes(timeZone: string, at: Date): number {
  const name = new Intl.DateTimeFormat("en-US", { timeZone, timeZoneName: "longOffset" }).formatToParts(at).find((p) => p.type === "timeZoneName")!.value;
  if (name === "GMT") return 0;
  const m = /^GMT([+-])(\d{2}):(\d{2})$/.exec(name)!;
  return (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}

function oracle(w: { days: Weekday[]; start: string; end: string; timeZone: string }, at: Date): boolean {
  const local = new Date(at.getTime() + offsetMinutes(w.timeZone, at) * 60_000);
  const day = local.getUTCDay();
  const minutes = local.getUTCHours() * 60 + local.getUTCMinutes();
  const toMin = (s: string) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3));
  const start = toMin(w.start);
  const end = toMin(w.end);
  if (start < end) return w.days.includes(day as Weekday) && minutes >= start && minutes < end;
  return (minutes >= start && w.days.includes(day as Weekday)) || (minutes < end && w.days.includes(((day + 6) % 7) as Weekday));
}

// Spring and autumn transitions in 2026, as UTC instants.
const TRANSITIONS: Record<string, [string, string]> = {
  "America/New_York": ["2026-03-08T07:00:00Z", "2026-11-01T06:00:00Z"],
  "Europe/London": ["2026-03-29T01:00:00Z", "2026-10-25T01:00:00Z"],
  "Australia/Sydney": ["2026-10-03T16:00:00Z", "2026-04-04T16:00:00Z"],
};
const ZONES = Object.keys(TRANSITIONS);
const clock = fc.tuple(fc.integer({ min: 0, max: 23 }), fc.constantFrom(0, 15, 30, 59)).map(([h, m]) => `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}`);

describe("time windows across DST", () => {
  it("agree with an offset-based oracle for random windows within ±36 h of every transition", () => {
    const arb = fc.record({
      zone: fc.constantFrom(...ZONES),
      which: fc.constantFrom(0, 1),
      deltaMin: fc.integer({ min: -36 * 60, max: 36 * 60 }),
      second: fc.integer({ min: 0, max: 59 }),
      days: fc.uniqueArray(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 7 }) as fc.Arbitrary<Weekday[]>,
      start: clock,
      end: clock,
    });
    fc.assert(
      fc.property(arb, ({ zone, which, deltaMin, second, days, start, end }) => {
        fc.pre(start !== end);
        const spec = { days, start, end, timeZone: zone };
        const at = new Date(Date.parse(TRANSITIONS[zone][which]) + deltaMin * 60_000 + second * 1000);
        expect(inTimeWindow(parseTimeWindow(spec), at)).toBe(oracle(spec, at));
      }),
      { numRuns: 3000 },
    );
  });

  it("09:00–17:00 New York opens at 14:00Z before spring-forward and at 13:00Z after", () => {
    const w = parseTimeWindow({ days: [1, 2, 3, 4, 5], start: "09:00", end: "17:00", timeZone: "America/New_York" });
    expect(inTimeWindow(w, new Date("2026-03-06T13:59:59Z"))).toBe(false); // Fri 08:59 EST
    expect(inTimeWindow(w, new Date("2026-03-06T14:00:00Z"))).toBe(true); // Fri 09:00 EST
    expect(inTimeWindow(w, new Date("2026-03-06T21:59:00Z"))).toBe(true); // Fri 16:59 EST
    expect(inTimeWindow(w, new Date("2026-03-06T22:00:00Z"))).toBe(false);
    expect(inTimeWindow(w, new Date("2026-03-09T12:59:59Z"))).toBe(false); // Mon 08:59 EDT
    expect(inTimeWindow(w, new Date("2026-03-09T13:00:00Z"))).toBe(true); // Mon 09:00 EDT
    expect(inTimeWindow(w, new Date("2026-03-09T21:00:00Z"))).toBe(false); // Mon 17:00 EDT
    expect(inTimeWindow(w, new Date("2026-03-08T15:00:00Z"))).toBe(false); // Sunday
  });

  it("the hour skipped by spring-forward never matches; the hour repeated in autumn matches twice", () => {
    const skipped = parseTimeWindow({ days: [0], start: "02:00", end: "03:00", timeZone: "America/New_York" });
    let inside = 0;
    for (let t = Date.parse("2026-03-08T04:00:00Z"); t < Date.parse("2026-03-09T05:00:00Z"); t += 60_000) if (inTimeWindow(skipped, new Date(t))) inside++;
    expect(inside).toBe(0);

    const repeated = parseTimeWindow({ days: [0], start: "01:00", end: "02:00", timeZone: "America/New_York" });
    inside = 0;
    for (let t = Date.parse("2026-11-01T03:00:00Z"); t < Date.parse("2026-11-02T05:00:00Z"); t += 60_000) if (inTimeWindow(repeated, new Date(t))) inside++;
    expect(inside).toBe(120); // 01:00–02:00 EDT, then 01:00–02:00 EST

    const london = parseTimeWindow({ days: [0], start: "01:00", end: "02:00", timeZone: "Europe/London" });
    inside = 0;
    for (let t = Date.parse("2026-03-28T22:00:00Z"); t < Date.parse("2026-03-29T23:00:00Z"); t += 60_000) if (inTimeWindow(london, new Date(t))) inside++;
    expect(inside).toBe(0); // 01:00 GMT jumps to 02:00 BST
  });

  it("a window crossing midnight keeps its length in local hours across Sydney's transitions", () => {
    // Sat 22:00 → Sun 06:00 local. On 2026-10-04 (spring) the night is one hour shorter in real time.
    const night = parseTimeWindow({ days: [6], start: "22:00", end: "06:00", timeZone: "Australia/Sydney" });
    const minutesInside = (fromIso: string, toIso: string) => {
      let n = 0;
      for (let t = Date.parse(fromIso); t < Date.parse(toIso); t += 60_000) if (inTimeWindow(night, new Date(t))) n++;
      return n;
    };
    expect(minutesInside("2026-10-03T00:00:00Z", "2026-10-04T12:00:00Z")).toBe(7 * 60); // spring: 8 wall hours, 7 real
    expect(minutesInside("2026-04-04T00:00:00Z", "2026-04-05T12:00:00Z")).toBe(9 * 60); // autumn: 8 wall hours, 9 real
    // Saturday 23:30 AEDT is inside; Sunday 06:00 is out; Sunday 23:00 is out (Sunday not listed).
    expect(inTimeWindow(night, new Date("2026-04-04T12:30:00Z"))).toBe(true);
    expect(inTimeWindow(night, new Date("2026-04-04T20:00:00Z"))).toBe(false);
    expect(inTimeWindow(night, new Date("2026-04-05T13:00:00Z"))).toBe(false);
  });

  it("00:00–24:00 covers the whole day; bad clocks and zones are refused", () => {
    const all = parseTimeWindow({ days: [2], start: "00:00", end: "24:00", timeZone: "Europe/London" });
    expect(inTimeWindow(all, new Date("2026-11-24T00:00:00Z"))).toBe(true);
    expect(inTimeWindow(all, new Date("2026-11-24T23:59:59Z"))).toBe(true);
    expect(inTimeWindow(all, new Date("2026-11-25T00:00:00Z"))).toBe(false);
    expect(() => parseTimeWindow({ days: [1], start: "9:00", end: "17:00", timeZone: "UTC" })).toThrow(/HH:MM/);
    expect(() => parseTimeWindow({ days: [1], start: "24:00", end: "17:00", timeZone: "UTC" })).toThrow(/HH:MM/);
    expect(() => parseTimeWindow({ days: [1], start: "09:00", end: "09:00", timeZone: "UTC" })).toThrow(/different/);
    expect(() => parseTimeWindow({ days: [1], start: "09:00", end: "17:00", timeZone: "EST5EDTX/Nowhere" })).toThrow(/IANA/);
    expect(() => parseTimeWindow({ days: [1], start: "09:00", end: "17:00", timeZone: "+05:00" })).toThrow(/IANA/);
  });

  it("labels days the way people write them", () => {
    expect(formatDays([1, 2, 3, 4, 5])).toBe("Mon–Fri");
    expect(formatDays([6, 0])).toBe("Sat, Sun");
    expect(formatDays([1, 3, 5])).toBe("Mon, Wed, Fri");
    expect(formatDays([0, 1, 2, 3, 4, 5, 6])).toBe("every day");
  });
});
