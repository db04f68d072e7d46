// Who needs to know that an org's connectors changed (policy snapshots, open MCP streams that owe a
// notifications/tools/list_changed): they register here; the connector service calls them after
// each committed change. Listeners must not throw (failures are logged and ignored).
import { logger } from "../log";

export type ConnectorsChangedListener = (orgId: string) => void | Promise<void>;

const g = globalThis as typeof globalThis & { __fortressConnectorListeners?: Set<ConnectorsChangedListener> };
const listeners: Set<ConnectorsChangedListener> = (g.__fortressConnectorListeners ??= new Set());

/** Registers a listener; returns its unsubscribe function. */
export function onConnectorsChanged(listener: ConnectorsChangedListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export async function notifyConnectorsChanged(orgId: string): Promise<void> {
  for (const l of [...listeners]) {
    try {
      await l(orgId);
    } catch (err) {
      logger().warn({ err, orgId }, "connectors changed listener failed");
    }
  }
}
