"use client";

import { signOut } from "next-auth/react";
import { ChevronDownIcon, LogOutIcon } from "lucide-react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuLabel,
  DropdownMenuSeparator,
  DropdownMenuTrigger,
} from "@/components/ui/dropdown-menu";
import { useIdentity } from "./identity";
import { ROLE_LABELS } from "./types";

function initials(name: string | null, email: string): string {
  const source = name?.trim() || email.split("@")[0];
  const parts = source.split(/[\s._-]+/).filter(Boolean);
  return ((parts[0]?.[0] ?? "") + (parts[1]?.[0] ?? "")).toUpperCase() || "?";
}

export function UserMenu() {
  const { user, role } = useIdentity();
  return (
    <DropdownMenu>
      <DropdownMenuTrigger asChild>
        <Button variant="ghost" className="h-9 gap-2 px-1.5 sm:px-2" aria-label={`Account: ${user.email}`}>
          <span
            className="flex size-7 items-center justify-center rounded-full bg-primary/15 text-xs font-semibold text-primary"
            aria-hidden
          >
            {initials(user.name, user.email)}
          </span>
          <span className="hidden max-w-48 truncate text-sm font-normal md:inline">{user.name || user.email}</span>
          <ChevronDownIcon className="hidden text-muted-foreground md:block" aria-hidden />
        </Button>
      </DropdownMenuTrigger>
      <DropdownMenuContent align="end" className="w-64">
        <DropdownMenuLabel className="grid gap-1">
          {user.name ? <span className="truncate font-medium">{user.name}</span> : null}
          <span className="truncate text-muted-foreground">{user.email}</span>
          <Badge variant="secondary" className="mt-1">
            {ROLE_LABELS[role]}
          </Badge>
        </DropdownMenuLabel>
        <DropdownMenuSeparator />
        <DropdownMenuItem
          onSelect={async () => {
            // Clear the session, then go to /login on this origin (next-auth's own redirect uses its
            // configured URL, which may name another host than the one in the address bar).
            await signOut({ redirect: false }).catch(() => undefined);
            window.location.assign("/login");
          }}
        >
          <LogOutIcon aria-hidden /> Sign out
        </DropdownMenuItem>
      </DropdownMenuContent>
    </DropdownMenu>
  );
}
