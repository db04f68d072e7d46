import type { Metadata } from "next";
import { RedactionScreen } from "@/components/policy/redaction-screen";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "PII Redaction" };

export default function Page() {
  return <RedactionScreen />;
}
