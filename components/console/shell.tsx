"use client";

import * as React from "react";
import { usePathname } from "next/navigation";
import { MenuIcon } from "lucide-react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Sheet, SheetContent, SheetDescription, SheetTitle, SheetTrigger } from "@/components/ui/sheet";
import { IdentityProvider } from "./identity";
import { Brand, SidebarNav } from "./sidebar";
import { ThemeToggle } from "./theme-toggle";
import type { ConsoleIdentity } from "./types";
import { UserMenu } from "./user-menu";

const TIER_LABELS = { SOHO: "SOHO", BANK: "Bank", ZERO_TRUST: "Zero Trust" } as const;

/** The console frame: sidebar (a drawer on small screens), header with org, theme and account. */
export function ConsoleShell({ identity, children }: { identity: ConsoleIdentity; children: React.ReactNode }) {
  const [navOpen, setNavOpen] = React.useState(false);
  const pathname = usePathname();
  React.useEffect(() => setNavOpen(false), [pathname]);

  return (
    <IdentityProvider identity={identity}>
      <a
        href="#main"
        className="sr-only z-50 rounded-md bg-background px-3 py-2 text-sm focus:not-sr-only focus:fixed focus:top-2 focus:left-2 focus:ring-[3px] focus:ring-ring/50"
      >
        Skip to content
      </a>
      <div className="flex min-h-dvh">
        <aside className="sticky top-0 hidden h-dvh w-56 shrink-0 flex-col gap-4 border-r border-sidebar-border bg-sidebar py-3 lg:flex">
          <div className="px-3">
            <Brand />
          </div>
          <SidebarNav />
        </aside>

        <div className="flex min-w-0 flex-1 flex-col">
          <header className="sticky top-0 z-30 flex h-14 items-center gap-2 border-b bg-background/90 px-3 backdrop-blur supports-[backdrop-filter]:bg-background/75 sm:px-5">
            <Sheet open={navOpen} onOpenChange={setNavOpen}>
              <SheetTrigger asChild>
                <Button variant="ghost" size="icon" className="lg:hidden" aria-label="Open navigation">
                  <MenuIcon aria-hidden />
                </Button>
              </SheetTrigger>
              <SheetContent className="gap-4 py-3">
                <SheetTitle className="sr-only">Navigation</SheetTitle>
                <SheetDescription className="sr-only">Sections of the Fortress console</SheetDescription>
                <div className="px-3">
                  <Brand />
                </div>
                <SidebarNav onNavigate={() => setNavOpen(false)} />
              </SheetContent>
            </Sheet>

            <div className="flex min-w-0 items-center gap-2">
              <span className="truncate text-sm font-semibold" title={`Organisation: ${identity.org.name}`}>
                {identity.org.name}
              </span>
              <Badge variant="muted" className="hidden sm:inline-flex">
                {TIER_LABELS[identity.org.tier] ?? identity.org.tier}
              </Badge>
            </div>

            <div className="ml-auto flex items-center gap-1">
              <ThemeToggle />
              <UserMenu />
            </div>
          </header>

          <main id="main" tabIndex={-1} className="flex-1 px-4 py-6 outline-none sm:px-6 lg:px-8">
            <div className="mx-auto w-full max-w-6xl">{children}</div>
          </main>
        </div>
      </div>
    </IdentityProvider>
  );
}
