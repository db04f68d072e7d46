import type { Metadata } from "next";
import { EvidenceSettingsScreen } from "@/components/evidence/evidence-settings-screen";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Audit & approvals" };

export default function EvidenceSettingsPage() {
  return <EvidenceSettingsScreen />;
}
