// The principal behind an org API key: what the gateways know about the caller after identity.
import type { ConsoleRole, Product, Tier } from "@/db/schema";

export interface Principal {
  orgId: string;
  tier: Tier;
  products: Product[];
  kind: "user" | "service_account";
  /** User id or service account id: the subject that policy roles are assigned to. */
  id: string;
  /** Email or service account name, for audit and the Traffic Feed. */
  label: string;
  apiKeyId: string;
  consoleRole: ConsoleRole | null;
}
