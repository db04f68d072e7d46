// The one place the policy store, snapshot cache, simulator and admin API reach into the pure
// engine (compile.ts, engine.ts, rule-condition.ts, expression.ts) and the redaction engine.
// Save-time validation goes through here so a condition the API accepts is one the engine compiles.
export { compilePolicy, type CompiledPolicy } from "./compile";
export { applyRateLimits, decide, decideWithoutCounting, type EngineDecision, type Evaluation } from "./engine";
export { parseExpression } from "./expression";
export { ZRuleCondition } from "./rule-condition";

// TEMPORARY until the redaction engine lands (lib/redaction): a minimal email-only preview.
import type { RedactionCounts, RedactionSettings } from "../redaction";
export function validateCustomPattern(pattern: string): void {
  new RegExp(pattern);
}
export function redactText(text: string, settings: RedactionSettings): { value: string; counts: RedactionCounts } {
  const counts: RedactionCounts = {};
  let value = text;
  if (settings.email)
    value = value.replace(/[\w.+-]+@[\w-]+(\.[\w-]+)+/g, (m) => {
      counts.email = (counts.email ?? 0) + 1;
      return m.replace(/[^@.]/g, "█");
    });
  return { value, counts };
}
