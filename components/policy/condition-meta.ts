import { ClockIcon, GaugeIcon, NetworkIcon, UserCogIcon } from "lucide-react";
import type { RuleCondition } from "./types";

export const CONDITION_META: Record<RuleCondition["type"], { label: string; icon: typeof ClockIcon; help: string }> = {
  time_window: { label: "Time window", icon: ClockIcon, help: "Allowed only on these days and hours, in this time zone. Outside the window, requests are denied." },
  rate_limit: { label: "Rate limit", icon: GaugeIcon, help: "At most N calls per window. Exceeding it denies the call, says when to retry, and sends a user.overage webhook." },
  ip_allowlist: { label: "IP restriction", icon: NetworkIcon, help: "Allowed only from these networks (office, VPN). Requests from anywhere else are denied." },
  attribute: { label: "Custom attribute", icon: UserCogIcon, help: "Allowed only when the person's attributes match, e.g. department == \"Engineering\"." },
};

