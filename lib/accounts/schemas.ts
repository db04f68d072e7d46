// Input schemas shared by the admin API and the console.
import { z } from "zod";
import { CONSOLE_ROLES } from "@/db/schema";
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from "../identity/passwords";

export const ZEmail = z
  .string()
  .trim()
  .max(254)
  .pipe(z.email("must be a valid email address"))
  .transform((e) => e.toLowerCase());

export const ZPassword = z
  .string()
  .min(PASSWORD_MIN_LENGTH, `must be at least ${PASSWORD_MIN_LENGTH} characters`)
  .max(PASSWORD_MAX_LENGTH, `must be at most ${PASSWORD_MAX_LENGTH} characters`);

export const ZConsoleRole = z.enum(CONSOLE_ROLES);

export const ZSignUp = z.object({
  email: ZEmail,
  password: ZPassword,
  org_name: z.string().trim().min(2, "must be at least 2 characters").max(100),
});

export const ZCredentials = z.object({
  email: ZEmail,
  password: z.string().min(1, "is required").max(PASSWORD_MAX_LENGTH),
});

export const ZInvite = z.object({ email: ZEmail, console_role: ZConsoleRole });
export const ZChangeRole = z.object({ console_role: ZConsoleRole });
export const ZAcceptInvitation = z.object({
  token: z.string().min(10).max(200),
  password: ZPassword,
  name: z.string().trim().max(100).optional(),
});
export const ZCreateServiceAccount = z.object({
  name: z.string().trim().min(1, "is required").max(100),
  description: z.string().trim().max(500).optional(),
});
