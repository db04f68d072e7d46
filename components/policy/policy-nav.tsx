"use client";

import { SectionTabs } from "@/components/console/section-tabs";

const TABS = [
  { label: "Roles", href: "/policy/roles" },
  { label: "Conditional Rules", href: "/policy/rules" },
  { label: "PII Redaction", href: "/policy/redaction" },
  { label: "Simulator", href: "/policy/simulator" },
];

export function PolicyNav() {
  return <SectionTabs label="Policy Radar" tabs={TABS} />;
}
