import type { Metadata } from "next";
import { WebhooksScreen } from "@/components/evidence/webhooks-screen";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Webhooks" };

export default function WebhooksPage() {
  return <WebhooksScreen />;
}
