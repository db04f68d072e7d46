// Guarded change "redaction.disable": switching OFF any PII redaction category of the org waits
// for a second admin when the org guards it. Turning redaction on, or editing custom patterns, is
// never delayed.
import { changeContext } from "../policy/admin";
import { getRedaction, setOrgRedaction, ZRedactionSettings } from "../policy/redaction-settings";
import type { AdminContext } from "../identity/admin-auth";
import { registerApprovalKind, requireApproval, type ApprovalOutcome } from "./index";

const CATEGORIES = ["email", "phone", "ssn", "creditCard"] as const;

const applyRedaction = registerApprovalKind("redaction.disable", async (ctx, p: { settings: unknown }) => {
  await setOrgRedaction(ctx.db, ctx.orgId, p.settings, changeContext(ctx));
});

export async function setOrgRedactionGuarded(ctx: AdminContext, input: unknown): Promise<ApprovalOutcome<void>> {
  const parsed = ZRedactionSettings.safeParse(input);
  if (parsed.success) {
    const current = (await getRedaction(ctx.db, ctx.orgId)).org;
    const disabled = CATEGORIES.filter((c) => current[c] && !parsed.data[c]);
    if (disabled.length) {
      return requireApproval(ctx, "redaction.disable", { settings: parsed.data }, applyRedaction, {
        summary: `Disable PII redaction of ${disabled.join(", ")}`,
      });
    }
  }
  // Invalid input gets setOrgRedaction's own 400; harmless changes apply now.
  return { status: "applied", result: await applyRedaction(ctx, { settings: input }) };
}
