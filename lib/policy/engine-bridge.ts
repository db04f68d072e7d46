// The one place the policy store, snapshot cache, simulator and admin API reach into the pure
// engine (compile.ts, engine.ts, rule-condition.ts, expression.ts) and the redaction engine.
// Save-time validation goes through here so a condition the API accepts is one the engine compiles.
export { compilePolicy, type CompiledPolicy } from "./compile";
export { applyRateLimits, decide, decideWithoutCounting, type EngineDecision, type Evaluation } from "./engine";
export { parseExpression } from "./expression";
export { ZRuleCondition } from "./rule-condition";

export { MAX_PATTERN_LENGTH, redactText } from "../redaction";
import { validateCustomPattern as check } from "../redaction";

/** Throws with the engine's explanation when a custom pattern may not be stored (ReDoS guard). */
export function validateCustomPattern(pattern: string): void {
  const result = check(pattern);
  if (!result.ok) throw new Error(result.error);
}
