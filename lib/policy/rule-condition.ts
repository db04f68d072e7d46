// Save-time validation of rule conditions (the admin API uses ZRuleCondition): whatever passes here
// compiles, so a bad zone, clock, CIDR or expression is refused with a 400 instead of making the org's
// snapshot fail to compile later.
import { z } from "zod";
import { isValidCidr } from "./cidr";
import { expressionError, MAX_EXPRESSION_LENGTH } from "./expression";
import { isValidTimeZone, parseClock } from "./time-window";
import type { RuleCondition, Weekday } from "./types";

const clock = (allow24: boolean) =>
  z.string().refine(
    (s) => {
      try {
        parseClock(s, allow24);
        return true;
      } catch {
        return false;
      }
    },
    { message: allow24 ? "Use HH:MM (00:00–23:59, or 24:00 for the end of the day)" : "Use HH:MM (00:00–23:59)" },
  );

export const ZTimeWindowCondition = z
  .object({
    type: z.literal("time_window"),
    days: z
      .array(z.number().int().min(0).max(6))
      .min(1, "Pick at least one day")
      .max(7)
      .transform((d) => [...new Set(d)].sort() as Weekday[]),
    start: clock(false),
    end: clock(true),
    timeZone: z.string().max(64).refine(isValidTimeZone, { message: "Not an IANA time zone (e.g. America/New_York)" }),
  })
  .refine((w) => w.start !== w.end, {
    message: "Start and end must differ (00:00–24:00 is the whole day)",
    path: ["end"],
  });

export const ZRateLimitCondition = z.object({
  type: z.literal("rate_limit"),
  limit: z.number().int().min(1, "The limit must be at least 1").max(1_000_000_000),
  windowSeconds: z.number().int().min(1).max(31 * 86_400),
  per: z.enum(["user", "role", "org"]),
});

export const ZIpAllowlistCondition = z.object({
  type: z.literal("ip_allowlist"),
  cidrs: z
    .array(z.string().trim().max(64).refine(isValidCidr, { message: "Not a valid IPv4 or IPv6 CIDR (e.g. 10.0.0.0/8, 2001:db8::/32)" }))
    .min(1, "List at least one network")
    .max(1000),
});

export const ZAttributeCondition = z.object({
  type: z.literal("attribute"),
  expression: z
    .string()
    .max(MAX_EXPRESSION_LENGTH)
    .superRefine((src, ctx) => {
      const err = expressionError(src);
      if (err) ctx.addIssue({ code: "custom", message: err });
    }),
});

export const ZRuleCondition = z.discriminatedUnion("type", [ZTimeWindowCondition, ZRateLimitCondition, ZIpAllowlistCondition, ZAttributeCondition]);

// The schema's output is exactly the contract's RuleCondition.
export type ZRuleConditionOutput = z.infer<typeof ZRuleCondition>;
const _check: (c: ZRuleConditionOutput) => RuleCondition = (c) => c;
void _check;
