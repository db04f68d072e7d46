import type { Metadata } from "next";
import { ChangeLogScreen } from "@/components/evidence/change-log-screen";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Change Log" };

export default function ChangeLogPage() {
  return <ChangeLogScreen />;
}
