// Time-window rules: "allowed on these weekdays between HH:MM and HH:MM in this IANA zone".
// The wall clock is read through Intl (the tz database shipped with Node), so DST is handled by
// construction: 09:00 in America/New_York is 13:00Z in summer and 14:00Z in winter, and the hour that
// does not exist on a spring-forward day is simply never seen. A window whose end is before its start
// crosses midnight (22:00–06:00): it opens on a listed day and runs into the next morning.
import type { Weekday } from "./types";

export interface ParsedTimeWindow {
  days: Set<Weekday>;
  /** Minutes after local midnight, 0…1439. */
  start: number;
  /** Minutes after local midnight, 1…1440 (24:00 = end of day). */
  end: number;
  timeZone: string;
  /** "Mon–Fri 09:00–17:00 America/New_York" */
  label: string;
}

export class TimeWindowError extends Error {}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

export function parseClock(text: string, allow24 = false): number {
  if (allow24 && text === "24:00") return 1440;
  const m = HHMM.exec(text);
  if (!m) throw new TimeWindowError(`"${text}" is not a time of day (HH:MM, 00:00–23:59${allow24 ? " or 24:00" : ""})`);
  return Number(m[1]) * 60 + Number(m[2]);
}

const zoneValid = new Map<string, boolean>();

export function isValidTimeZone(timeZone: string): boolean {
  let ok = zoneValid.get(timeZone);
  if (ok === undefined) {
    try {
      new Intl.DateTimeFormat("en-US", { timeZone });
      // Reject offsets like "+05:00", which Intl accepts but are not IANA zones with DST rules.
      ok = /^[A-Za-z_]+(?:\/[A-Za-z0-9_+-]+)*$/.test(timeZone);
    } catch {
      ok = false;
    }
    if (zoneValid.size < 1000) zoneValid.set(timeZone, ok);
  }
  return ok;
}

const DAY_NAMES = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"] as const;
/** Monday-first order for labels. */
const LABEL_ORDER: Weekday[] = [1, 2, 3, 4, 5, 6, 0];

export function formatDays(days: Iterable<Weekday>): string {
  const set = new Set(days);
  if (set.size === 7) return "every day";
  const parts: string[] = [];
  let i = 0;
  while (i < LABEL_ORDER.length) {
    if (!set.has(LABEL_ORDER[i])) {
      i++;
      continue;
    }
    let j = i;
    while (j + 1 < LABEL_ORDER.length && set.has(LABEL_ORDER[j + 1])) j++;
    const from = DAY_NAMES[LABEL_ORDER[i]];
    const to = DAY_NAMES[LABEL_ORDER[j]];
    if (j === i) parts.push(from);
    else if (j === i + 1) parts.push(`${from}, ${to}`);
    else parts.push(`${from}–${to}`);
    i = j + 1;
  }
  return parts.join(", ") || "no day";
}

export function parseTimeWindow(w: { days: Weekday[]; start: string; end: string; timeZone: string }): ParsedTimeWindow {
  if (!isValidTimeZone(w.timeZone)) throw new TimeWindowError(`"${w.timeZone}" is not an IANA time zone`);
  const start = parseClock(w.start);
  const end = parseClock(w.end, true);
  if (start === end) throw new TimeWindowError("A time window needs a start different from its end (use 00:00–24:00 for the whole day)");
  for (const d of w.days) if (!Number.isInteger(d) || d < 0 || d > 6) throw new TimeWindowError(`${d} is not a weekday (0 = Sunday … 6 = Saturday)`);
  const days = new Set(w.days);
  return { days, start, end, timeZone: w.timeZone, label: `${formatDays(days)} ${w.start}–${w.end} ${w.timeZone}` };
}

export interface LocalClock {
  weekday: Weekday;
  /** Minutes after local midnight. */
  minutes: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
// Current tz offsets are whole minutes, so the wall clock is constant within one UTC minute:
// memoising per (zone, epoch minute) makes the hot path a Map lookup instead of formatToParts.
const memo = new Map<string, { minute: number; clock: LocalClock }>();
const WEEKDAY_INDEX: Record<string, Weekday> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

export function localClock(timeZone: string, now: Date): LocalClock {
  const minute = Math.floor(now.getTime() / 60_000);
  const hit = memo.get(timeZone);
  if (hit && hit.minute === minute) return hit.clock;
  let fmt = formatters.get(timeZone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat("en-US", { timeZone, weekday: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
    formatters.set(timeZone, fmt);
  }
  let weekday: Weekday = 0;
  let hour = 0;
  let min = 0;
  for (const p of fmt.formatToParts(now)) {
    if (p.type === "weekday") weekday = WEEKDAY_INDEX[p.value];
    else if (p.type === "hour") hour = Number(p.value) % 24;
    else if (p.type === "minute") min = Number(p.value);
  }
  const clock = { weekday, minutes: hour * 60 + min };
  if (memo.size > 1000) memo.clear();
  memo.set(timeZone, { minute, clock });
  return clock;
}

/** True when `now` is inside the window. */
export function inTimeWindow(w: ParsedTimeWindow, now: Date): boolean {
  const { weekday, minutes } = localClock(w.timeZone, now);
  if (w.start < w.end) return w.days.has(weekday) && minutes >= w.start && minutes < w.end;
  // Crosses midnight: the evening part belongs to today, the morning part to yesterday's window.
  if (minutes >= w.start) return w.days.has(weekday);
  if (minutes < w.end) return w.days.has(((weekday + 6) % 7) as Weekday);
  return false;
}
