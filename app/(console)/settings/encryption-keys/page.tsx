import type { Metadata } from "next";
import { EncryptionKeysScreen } from "@/components/vault/encryption-keys-screen";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Encryption Keys" };

export default function EncryptionKeysPage() {
  return <EncryptionKeysScreen />;
}
