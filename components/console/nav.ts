import type { LucideIcon } from "lucide-react";
import { RadarIcon, SettingsIcon, VaultIcon } from "lucide-react";

export interface NavItem {
  label: string;
  href: string;
  icon: LucideIcon;
}

/**
 * The console's sections, in the product's order: Status Board, Policy Radar, Traffic Feed, Vault,
 * Change Log, Billing, Support Tickets, Settings. Only sections that exist are listed; adding one is
 * one line here (e.g. `{ label: "Vault", href: "/vault", icon: VaultIcon }`).
 */
export const NAV: NavItem[] = [
  { label: "Vault", href: "/vault", icon: VaultIcon },
  { label: "Policy Radar", href: "/policy", icon: RadarIcon },
  { label: "Settings", href: "/settings", icon: SettingsIcon },
];

export const isActive = (pathname: string, href: string) => pathname === href || pathname.startsWith(`${href}/`);
