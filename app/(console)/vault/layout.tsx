import { VaultNav } from "@/components/connectors/vault-nav";
import { PageHeader } from "@/components/console/page-header";

export default function VaultLayout({ children }: { children: React.ReactNode }) {
  return (
    <div className="grid grid-cols-1 gap-6">
      <div className="grid grid-cols-1 gap-4">
        <PageHeader title="Vault" description="The credentials Fortress holds for your organisation: SaaS connectors and Claude PATs. Nobody sees them again once saved." />
        <VaultNav />
      </div>
      {children}
    </div>
  );
}
