"use client";

import * as React from "react";
import { signIn } from "next-auth/react";
import { useRouter } from "next/navigation";
import { LoaderCircleIcon } from "lucide-react";
import { FormError } from "@/components/console/data-states";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Field } from "@/components/ui/label";
import { safeCallbackUrl } from "./auth-shell";

/** next-auth's error codes in ?error= (it redirects here on failures it handles itself). */
function describeNextAuthError(code: string | undefined): string | null {
  if (!code) return null;
  if (code === "CredentialsSignin") return "Invalid email or password";
  if (code === "SessionRequired") return "Sign in to continue.";
  return "Sign-in failed. Try again.";
}

export function signInErrorMessage(error: string): string {
  return /too many/i.test(error) ? error : "Invalid email or password";
}

export function LoginForm({ callbackUrl, initialError }: { callbackUrl?: string; initialError?: string }) {
  const router = useRouter();
  const [email, setEmail] = React.useState("");
  const [password, setPassword] = React.useState("");
  const [pending, setPending] = React.useState(false);
  const [error, setError] = React.useState<string | null>(describeNextAuthError(initialError));

  async function onSubmit(e: React.FormEvent) {
    e.preventDefault();
    if (pending) return;
    setPending(true);
    setError(null);
    try {
      const res = await signIn("credentials", { email: email.trim(), password, redirect: false });
      if (!res || res.error || !res.ok) {
        setError(signInErrorMessage(res?.error ?? ""));
        setPending(false);
        return;
      }
      router.replace(safeCallbackUrl(callbackUrl));
      router.refresh();
    } catch {
      setError("Fortress could not be reached. Check your connection and try again.");
      setPending(false);
    }
  }

  return (
    <form className="grid gap-4" onSubmit={onSubmit}>
      <Field label="Email" htmlFor="email">
        <Input
          id="email"
          name="email"
          type="email"
          autoComplete="username"
          required
          autoFocus
          value={email}
          onChange={(e) => setEmail(e.target.value)}
        />
      </Field>
      <Field label="Password" htmlFor="password">
        <Input
          id="password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
      </Field>
      {error ? <FormError error={new Error(error)} /> : null}
      <Button type="submit" className="w-full" disabled={pending}>
        {pending ? <LoaderCircleIcon className="animate-spin" aria-hidden /> : null}
        Sign in
      </Button>
    </form>
  );
}
