import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { getConsoleSession } from "@/app/_auth/session";
import { AuthShell } from "@/components/auth/auth-shell";
import { SignupForm } from "@/components/auth/signup-form";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Create an organisation" };

export default async function SignupPage() {
  if (await getConsoleSession()) redirect("/");
  return (
    <AuthShell
      title="Create an organisation"
      description="Set up Fortress for your team. You can invite colleagues afterwards."
      footer={
        <>
          Already have an account?{" "}
          <Link href="/login" className="font-medium text-foreground underline-offset-4 hover:underline">
            Sign in
          </Link>
        </>
      }
    >
      <SignupForm />
    </AuthShell>
  );
}
