import type { Metadata } from "next";
import { PatUsageScreen } from "@/components/pat/pat-usage-screen";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "PAT Usage" };

export default function PatUsagePage() {
  return <PatUsageScreen />;
}
