import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { getConsoleSession } from "@/app/_auth/session";
import { AuthShell } from "@/components/auth/auth-shell";
import { LoginForm } from "@/components/auth/login-form";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Sign in" };

const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

export default async function LoginPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  if (await getConsoleSession()) redirect("/");
  return (
    <AuthShell
      title="Sign in"
      description="Sign in to your organisation's Fortress console."
      footer={
        <>
          New to Fortress?{" "}
          <Link href="/signup" className="font-medium text-foreground underline-offset-4 hover:underline">
            Create an organisation
          </Link>
        </>
      }
    >
      <LoginForm callbackUrl={first(params.callbackUrl)} initialError={first(params.error)} />
    </AuthShell>
  );
}
