import type { Metadata } from "next";
import { PatRequestsScreen } from "@/components/pat/pat-requests-screen";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "PAT Requests" };

export default function PatRequestsPage() {
  return <PatRequestsScreen />;
}
