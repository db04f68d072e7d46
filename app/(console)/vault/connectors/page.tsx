import type { Metadata } from "next";
import { ConnectorsScreen } from "@/components/connectors/connectors-screen";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Connectors" };

export default function ConnectorsPage() {
  return <ConnectorsScreen />;
}
