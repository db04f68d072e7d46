import type { Metadata } from "next";
import { RulesScreen } from "@/components/policy/rules-screen";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Conditional Rules" };

export default function Page() {
  return <RulesScreen />;
}
