import type { Metadata } from "next";
import { PatKeysScreen } from "@/components/pat/pat-keys-screen";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "PAT Keys" };

export default function PatKeysPage() {
  return <PatKeysScreen />;
}
