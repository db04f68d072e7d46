import type { Metadata } from "next";
import { ServiceAccountsScreen } from "@/components/service-accounts/service-accounts-screen";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Service Accounts" };

export default function ServiceAccountsPage() {
  return <ServiceAccountsScreen />;
}
