// The built-in PII detectors, with the masks the product guide shows.
export const DETECTORS: { key: "email" | "phone" | "ssn" | "creditCard"; label: string; example: string }[] = [
  { key: "email", label: "Email addresses", example: "user@domain.com → ████@████.███" },
  { key: "phone", label: "Phone numbers", example: "+1-555-123-4567 → +█-███-███-████" },
  { key: "ssn", label: "Social Security numbers", example: "123-45-6789 → ███-██-████" },
  { key: "creditCard", label: "Credit card numbers", example: "4111-1111-1111-1111 → ████-████-████-████ (Luhn-checked)" },
];

