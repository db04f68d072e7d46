import { PageHeader } from "@/components/console/page-header";
import { PolicyNav } from "@/components/policy/policy-nav";

export default function PolicyLayout({ children }: { children: React.ReactNode }) {
  return (
    <div className="grid grid-cols-1 gap-6">
      <div className="grid grid-cols-1 gap-4">
        <PageHeader
          title="Policy Radar"
          description="Who may use which connector action or PAT key, under which conditions, and what PII is hidden from Claude. Anything not allowed is denied."
        />
        <PolicyNav />
      </div>
      {children}
    </div>
  );
}
