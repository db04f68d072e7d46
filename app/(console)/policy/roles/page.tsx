import type { Metadata } from "next";
import { RolesScreen } from "@/components/policy/roles-screen";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Roles" };

export default function Page() {
  return <RolesScreen />;
}
