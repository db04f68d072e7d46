// Who needs to know that an org's connectors changed: the policy snapshot (invalidatePolicy, always),
// and open MCP streams that owe a notifications/tools/list_changed: they register here; the connector service calls them after
// each committed change. Listeners must not throw (failures are logged and ignored).
import { logger } from "../log";
import { invalidatePolicy } from "../policy";

export type ConnectorsChangedListener = (orgId: string) => void | Promise<void>;

const g = globalThis as typeof globalThis & { __fortressConnectorListeners?: Set<ConnectorsChangedListener> };
const listeners: Set<ConnectorsChangedListener> = (g.__fortressConnectorListeners ??= new Set());

/** Registers a listener; returns its unsubscribe function. */
export function onConnectorsChanged(listener: ConnectorsChangedListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** After a committed change: the org's policy snapshot is rebuilt (every instance), then listeners run. */
export async function notifyConnectorsChanged(orgId: string): Promise<void> {
  try {
    await invalidatePolicy(orgId);
  } catch (err) {
    logger().warn({ err, orgId }, "policy invalidation after a connector change failed");
  }
  for (const l of [...listeners]) {
    try {
      await l(orgId);
    } catch (err) {
      logger().warn({ err, orgId }, "connectors changed listener failed");
    }
  }
}
