"use client";

import * as React from "react";
import { signIn } from "next-auth/react";
import { useRouter } from "next/navigation";
import { LoaderCircleIcon } from "lucide-react";
import { api, ApiError } from "@/components/console/api";
import { FormError } from "@/components/console/data-states";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Field } from "@/components/ui/label";
import { signInErrorMessage } from "./login-form";

const MIN_PASSWORD = 12;

export function SignupForm() {
  const router = useRouter();
  const [orgName, setOrgName] = React.useState("");
  const [email, setEmail] = React.useState("");
  const [password, setPassword] = React.useState("");
  const [pending, setPending] = React.useState(false);
  const [error, setError] = React.useState<string | null>(null);

  async function onSubmit(e: React.FormEvent) {
    e.preventDefault();
    if (pending) return;
    if (password.length < MIN_PASSWORD) {
      setError(`The password must be at least ${MIN_PASSWORD} characters.`);
      return;
    }
    setPending(true);
    setError(null);
    try {
      await api("/signup", { method: "POST", body: { email: email.trim(), password, org_name: orgName.trim() } });
    } catch (err) {
      setError(
        err instanceof ApiError && err.status === 403
          ? "Sign-up is closed on this Fortress. Ask an administrator of your organisation for an invitation."
          : err instanceof Error
            ? err.message
            : "Sign-up failed. Try again.",
      );
      setPending(false);
      return;
    }
    const res = await signIn("credentials", { email: email.trim(), password, redirect: false }).catch(() => undefined);
    if (!res || res.error || !res.ok) {
      // The organisation exists; only the automatic sign-in failed.
      setError(`Your organisation was created, but signing in failed: ${signInErrorMessage(res?.error ?? "")}. Sign in from the login page.`);
      setPending(false);
      return;
    }
    router.replace("/settings/api-keys");
    router.refresh();
  }

  return (
    <form className="grid gap-4" onSubmit={onSubmit}>
      <Field label="Organisation name" htmlFor="org-name">
        <Input
          id="org-name"
          name="organization"
          autoComplete="organization"
          required
          minLength={2}
          maxLength={100}
          autoFocus
          value={orgName}
          onChange={(e) => setOrgName(e.target.value)}
        />
      </Field>
      <Field label="Email" htmlFor="email" hint="You will be the organisation's owner.">
        <Input
          id="email"
          name="email"
          type="email"
          autoComplete="username"
          required
          value={email}
          onChange={(e) => setEmail(e.target.value)}
        />
      </Field>
      <Field label="Password" htmlFor="password" hint={`At least ${MIN_PASSWORD} characters. A passphrase is easiest.`}>
        <Input
          id="password"
          name="password"
          type="password"
          autoComplete="new-password"
          required
          minLength={MIN_PASSWORD}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
      </Field>
      {error ? <FormError error={new Error(error)} /> : null}
      <Button type="submit" className="w-full" disabled={pending}>
        {pending ? <LoaderCircleIcon className="animate-spin" aria-hidden /> : null}
        Create organisation
      </Button>
    </form>
  );
}
