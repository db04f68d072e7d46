import type { Metadata } from "next";
import { AuditScreen } from "@/components/evidence/audit-screen";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Audit" };

export default function AuditPage() {
  return <AuditScreen />;
}
