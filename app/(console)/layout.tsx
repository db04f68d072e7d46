import { requireConsoleSession } from "@/app/_auth/session";
import { ConsoleShell } from "@/components/console/shell";

export const dynamic = "force-dynamic";

export default async function ConsoleLayout({ children }: { children: React.ReactNode }) {
  const session = await requireConsoleSession();
  const identity = {
    user: { id: session.user.id, email: session.user.email, name: session.user.name },
    org: {
      id: session.org.id,
      name: session.org.name,
      slug: session.org.slug,
      tier: session.org.tier,
      products: [...session.org.products],
    },
    role: session.role,
  };
  return <ConsoleShell identity={identity}>{children}</ConsoleShell>;
}
