// Save-time validation of redaction settings for the admin API (org, role and connector levels).
// Custom patterns must pass validateCustomPattern (backtracking-safe); whether the org's tier may use
// them at all (Bank / Zero Trust) is the admin API's check.
import { z } from "zod";
import { MAX_PATTERN_LENGTH, validateCustomPattern } from "./custom-pattern";

export const ZCustomPattern = z.object({
  name: z.string().trim().min(1, "Give the pattern a name").max(64),
  pattern: z
    .string()
    .max(MAX_PATTERN_LENGTH)
    .superRefine((src, ctx) => {
      const v = validateCustomPattern(src);
      if (!v.ok) ctx.addIssue({ code: "custom", message: v.error });
    }),
});

const customList = z
  .array(ZCustomPattern)
  .max(50)
  .refine((list) => new Set(list.map((p) => p.name)).size === list.length, { message: "Pattern names must be unique" });

/** Org level: every switch set. */
export const ZRedactionSettings = z.object({
  email: z.boolean(),
  phone: z.boolean(),
  ssn: z.boolean(),
  creditCard: z.boolean(),
  custom: customList,
});

/** Role and connector overrides: only the switches that differ from the level above. */
export const ZRedactionOverride = ZRedactionSettings.partial();
