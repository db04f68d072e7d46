"use client";

import { useIdentity } from "./identity";
import { SectionTabs } from "./section-tabs";
import { canReadOrg, type ConsoleRole } from "./types";

const TABS: { label: string; href: string; visible: (role: ConsoleRole) => boolean }[] = [
  { label: "API Keys", href: "/settings/api-keys", visible: () => true },
  { label: "Users", href: "/settings/users", visible: canReadOrg },
  { label: "Service Accounts", href: "/settings/service-accounts", visible: canReadOrg },
  { label: "Encryption Keys", href: "/settings/encryption-keys", visible: canReadOrg },
  { label: "Webhooks", href: "/settings/webhooks", visible: canReadOrg },
  { label: "Audit & Approvals", href: "/settings/evidence", visible: canReadOrg },
  { label: "PAT Usage", href: "/settings/pat-usage", visible: canReadOrg },
  { label: "PAT Requests", href: "/settings/pat-requests", visible: canReadOrg },
];

export function SettingsNav() {
  const { role } = useIdentity();
  return <SectionTabs label="Settings" tabs={TABS.filter((t) => t.visible(role))} />;
}
