// CONTRACT (seam between the MCP gateway and the connectors): runs one already-authorised action of a
// connector — credential from the vault via withSecret, the vendor call, circuit breaker, and a
// connector.error outbox event on vendor failure. The implementation belongs to the connectors
// work; until it lands every call fails closed.
import type { connectorActions, connectors } from "@/db/schema";
import { FortressError } from "../errors";
import type { Principal } from "../identity/principal";
import type { ActionResult } from "./types";

export interface RunConnectorActionInput {
  connector: typeof connectors.$inferSelect;
  action: typeof connectorActions.$inferSelect;
  /** Already validated against the action's inputSchema. */
  args: Record<string, unknown>;
  principal: Principal;
  requestId: string;
  signal?: AbortSignal;
}

/**
 * Vendor failures come back as a result with isError: true and the vendor's message (or as a thrown
 * ConnectorError); FortressError("unavailable") when the vault or the connector runtime cannot answer.
 */
export async function runConnectorAction(_input: RunConnectorActionInput): Promise<ActionResult> {
  throw new FortressError("unavailable", "Connector runtime unavailable");
}
