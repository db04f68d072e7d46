// Spec 000 "Connector Lifecycle": which admin actions each status allows, exactly as the table says.
//   ACTIVE  — Edit, Test, Rotate, Disable (kill), Delete
//   OFFLINE — Retry, Edit, Rotate, Delete
//   PENDING — Retry, Delete
//   KILLED  — Rotate, Delete, Re-enable
// "Test" and "Retry" are the same operation (the read-only test call): POST /connectors/{id}/test.
import type { ConnectorStatus } from "@/db/schema";
import { FortressError } from "../errors";

export type LifecycleAction = "edit" | "test" | "retry" | "rotate" | "kill" | "delete" | "enable";

export const LIFECYCLE: Record<ConnectorStatus, readonly LifecycleAction[]> = {
  ACTIVE: ["edit", "test", "rotate", "kill", "delete"],
  OFFLINE: ["retry", "edit", "rotate", "delete"],
  PENDING: ["retry", "delete"],
  KILLED: ["rotate", "delete", "enable"],
};

const LABEL: Record<LifecycleAction, string> = {
  edit: "edited",
  test: "tested",
  retry: "retried",
  rotate: "rotated",
  kill: "disabled (killed)",
  delete: "deleted",
  enable: "re-enabled",
};

export function allowed(status: ConnectorStatus, action: LifecycleAction): boolean {
  const list = LIFECYCLE[status];
  if (action === "test" || action === "retry") return list.includes("test") || list.includes("retry");
  return list.includes(action);
}

/** Throws a 409 naming the status and what it allows. */
export function assertAllowed(status: ConnectorStatus, action: LifecycleAction): void {
  if (allowed(status, action)) return;
  const can = LIFECYCLE[status].map((a) => LABEL[a].replace(/ \(killed\)$/, "")).join(", ");
  throw new FortressError("conflict", `A connector that is ${status} cannot be ${LABEL[action]}; in ${status} it can be ${can}`, {
    details: { status, action, allowed: LIFECYCLE[status] },
  });
}
