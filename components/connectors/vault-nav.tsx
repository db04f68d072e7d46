"use client";

import { SectionTabs } from "@/components/console/section-tabs";

const TABS = [
  { label: "Connectors", href: "/vault/connectors" },
  { label: "PAT Keys", href: "/vault/pat-keys" },
];

export function VaultNav() {
  return <SectionTabs label="Vault" tabs={TABS} />;
}
