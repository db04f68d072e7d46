// PII redaction: pure functions over strings and JSON values.
// CONTRACT: the engine belongs to the policy issue; the gateways call redactValue on tool results.
export interface CustomPattern {
  name: string;
  /** A validated, backtracking-safe regular expression source (checked at save time). */
  pattern: string;
}

export interface RedactionSettings {
  email: boolean;
  phone: boolean;
  ssn: boolean;
  creditCard: boolean;
  custom: CustomPattern[];
}

export type RedactionCounts = Record<string, number>;

export interface RedactionResult<T> {
  value: T;
  counts: RedactionCounts;
}

/** Redacts every string inside a JSON value (keys untouched); the result is valid JSON of the same shape. */
export function redactValue<T>(_value: T, _settings: RedactionSettings): RedactionResult<T> {
  throw new Error("redaction engine not implemented yet");
}
