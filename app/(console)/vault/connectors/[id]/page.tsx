import type { Metadata } from "next";
import { ConnectorDetailScreen } from "@/components/connectors/connector-detail-screen";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Connector" };

export default async function ConnectorPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <ConnectorDetailScreen id={id} />;
}
