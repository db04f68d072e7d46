import type { Metadata } from "next";
import { SimulatorScreen } from "@/components/policy/simulator-screen";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Policy Simulator" };

export default function Page() {
  return <SimulatorScreen />;
}
