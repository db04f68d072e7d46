import type { Metadata } from "next";
import { AuthShell } from "@/components/auth/auth-shell";
import { AcceptInviteForm } from "@/components/auth/accept-invite-form";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Join your organisation" };

export default async function InvitePage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  return (
    <AuthShell title="Join your organisation" description="You were invited to a Fortress console. Choose a password to join.">
      <AcceptInviteForm token={token} />
    </AuthShell>
  );
}
