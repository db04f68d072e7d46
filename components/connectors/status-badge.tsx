import { Badge } from "@/components/ui/badge";
import type { ConnectorStatus } from "./types";

const LOOK: Record<ConnectorStatus, { variant: "success" | "muted" | "destructive" | "secondary"; label: string; hint: string }> = {
  ACTIVE: { variant: "success", label: "Active", hint: "Ready to serve requests" },
  PENDING: { variant: "secondary", label: "Pending", hint: "Created; waiting for a successful test" },
  OFFLINE: { variant: "destructive", label: "Offline", hint: "Unreachable or credentials rejected; Retry when fixed" },
  KILLED: { variant: "muted", label: "Killed", hint: "Disabled by an admin; nobody can use it" },
};

export function StatusBadge({ status }: { status: ConnectorStatus }) {
  const l = LOOK[status];
  return (
    <Badge variant={l.variant} title={l.hint} data-status={status}>
      {l.label}
    </Badge>
  );
}
