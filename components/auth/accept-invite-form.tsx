"use client";

import * as React from "react";
import { signIn } from "next-auth/react";
import { useRouter } from "next/navigation";
import Link from "next/link";
import { LoaderCircleIcon } from "lucide-react";
import { api, ApiError } from "@/components/console/api";
import { FormError } from "@/components/console/data-states";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Field } from "@/components/ui/label";
import { signInErrorMessage } from "./login-form";

const MIN_PASSWORD = 12;

interface Accepted {
  org: { id: string; name: string };
  user: { id: string; email: string };
}

export function AcceptInviteForm({ token }: { token: string }) {
  const router = useRouter();
  const [name, setName] = React.useState("");
  const [password, setPassword] = React.useState("");
  const [confirm, setConfirm] = React.useState("");
  const [pending, setPending] = React.useState(false);
  const [error, setError] = React.useState<string | null>(null);
  const [gone, setGone] = React.useState(false);

  async function onSubmit(e: React.FormEvent) {
    e.preventDefault();
    if (pending) return;
    if (password.length < MIN_PASSWORD) return setError(`The password must be at least ${MIN_PASSWORD} characters.`);
    if (password !== confirm) return setError("The two passwords do not match.");
    setPending(true);
    setError(null);
    let accepted: Accepted;
    try {
      const n = name.trim();
      accepted = await api<Accepted>("/invitations/accept", { method: "POST", body: { token, password, ...(n ? { name: n } : {}) } });
    } catch (err) {
      if (err instanceof ApiError && (err.status === 410 || err.status === 404)) setGone(true);
      setError(err instanceof Error ? err.message : "Joining failed. Try again.");
      setPending(false);
      return;
    }
    const res = await signIn("credentials", { email: accepted.user.email, password, redirect: false }).catch(() => undefined);
    if (!res || res.error || !res.ok) {
      setError(`You joined ${accepted.org.name}, but signing in failed: ${signInErrorMessage(res?.error ?? "")}. Sign in from the login page.`);
      setPending(false);
      return;
    }
    router.replace("/settings/api-keys");
    router.refresh();
  }

  if (gone) {
    return (
      <div className="grid gap-4 text-sm">
        <FormError error={new Error("This invitation has expired or was already used.")} />
        <p className="text-muted-foreground">Ask the person who invited you for a new link.</p>
        <Button asChild variant="outline">
          <Link href="/login">Go to sign in</Link>
        </Button>
      </div>
    );
  }

  return (
    <form className="grid gap-4" onSubmit={onSubmit}>
      <Field label="Your name" htmlFor="name" hint="Optional. Shown to the admins of the organisation.">
        <Input id="name" name="name" autoComplete="name" maxLength={100} autoFocus value={name} onChange={(e) => setName(e.target.value)} />
      </Field>
      <Field
        label="Password"
        htmlFor="password"
        hint={`At least ${MIN_PASSWORD} characters. If you already have a Fortress account, use its password.`}
      >
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
      <Field label="Confirm password" htmlFor="confirm-password">
        <Input
          id="confirm-password"
          name="confirm-password"
          type="password"
          autoComplete="new-password"
          required
          value={confirm}
          onChange={(e) => setConfirm(e.target.value)}
        />
      </Field>
      {error ? <FormError error={new Error(error)} /> : null}
      <Button type="submit" className="w-full" disabled={pending}>
        {pending ? <LoaderCircleIcon className="animate-spin" aria-hidden /> : null}
        Join organisation
      </Button>
    </form>
  );
}
