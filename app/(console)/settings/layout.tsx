import { PageHeader } from "@/components/console/page-header";
import { SettingsNav } from "@/components/console/settings-nav";

export default function SettingsLayout({ children }: { children: React.ReactNode }) {
  return (
    <div className="grid grid-cols-1 gap-6">
      <div className="grid grid-cols-1 gap-4">
        <PageHeader title="Settings" description="Who can use this organisation's Fortress, and with which credentials." />
        <SettingsNav />
      </div>
      {children}
    </div>
  );
}
