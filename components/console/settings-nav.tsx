"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { cn } from "@/components/ui/cn";
import { useIdentity } from "./identity";
import { isActive } from "./nav";
import { canReadOrg, type ConsoleRole } from "./types";

const TABS: { label: string; href: string; visible: (role: ConsoleRole) => boolean }[] = [
  { label: "API Keys", href: "/settings/api-keys", visible: () => true },
  { label: "Users", href: "/settings/users", visible: canReadOrg },
  { label: "Service Accounts", href: "/settings/service-accounts", visible: canReadOrg },
  { label: "Encryption Keys", href: "/settings/encryption-keys", visible: canReadOrg },
  { label: "Webhooks", href: "/settings/webhooks", visible: canReadOrg },
  { label: "Audit & Approvals", href: "/settings/evidence", visible: canReadOrg },
];

export function SettingsNav() {
  const pathname = usePathname() ?? "";
  const { role } = useIdentity();
  return (
    <nav aria-label="Settings" className="-mx-1 overflow-x-auto border-b">
      <ul className="flex min-w-max gap-1 px-1">
        {TABS.filter((t) => t.visible(role)).map((t) => {
          const active = isActive(pathname, t.href);
          return (
            <li key={t.href}>
              <Link
                href={t.href}
                aria-current={active ? "page" : undefined}
                className={cn(
                  "relative -mb-px inline-flex h-10 items-center border-b-2 border-transparent px-3 text-sm font-medium text-muted-foreground transition-colors outline-none",
                  "rounded-t-md hover:text-foreground focus-visible:ring-[3px] focus-visible:ring-ring/50",
                  active && "border-primary text-foreground",
                )}
              >
                {t.label}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
