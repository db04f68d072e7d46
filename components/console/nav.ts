import type { LucideIcon } from "lucide-react";
import { ActivityIcon, LayoutDashboardIcon, ListChecksIcon, RadarIcon, ScrollTextIcon, SettingsIcon, VaultIcon } from "lucide-react";

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
  { label: "Status Board", href: "/", icon: LayoutDashboardIcon },
  { label: "Policy Radar", href: "/policy", icon: RadarIcon },
  { label: "Traffic Feed", href: "/traffic", icon: ActivityIcon },
  { label: "Vault", href: "/vault", icon: VaultIcon },
  { label: "Change Log", href: "/change-log", icon: ListChecksIcon },
  { label: "Audit", href: "/audit", icon: ScrollTextIcon },
  { label: "Settings", href: "/settings", icon: SettingsIcon },
];

export const isActive = (pathname: string, href: string) => pathname === href || pathname.startsWith(`${href}/`);
