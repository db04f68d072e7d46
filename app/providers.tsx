"use client";

import * as React from "react";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { ThemeProvider } from "next-themes";
import { ApiError } from "@/components/console/api";
import { Toaster } from "@/components/ui/toast";

function makeQueryClient() {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 15_000,
        refetchOnWindowFocus: true,
        // A 4xx will not change by asking again; network blips and 5xx get two more tries.
        retry: (count, err) => !(err instanceof ApiError && err.status >= 400 && err.status < 500) && count < 2,
      },
    },
  });
}

export function Providers({ children }: { children: React.ReactNode }) {
  const [client] = React.useState(makeQueryClient);

  // The session ended (expired, or this member was removed): back to the sign-in page.
  React.useEffect(() => {
    const onError = (err: unknown) => {
      if (err instanceof ApiError && err.status === 401 && !window.location.pathname.startsWith("/login")) {
        window.location.assign(`/login?callbackUrl=${encodeURIComponent(window.location.pathname)}`);
      }
    };
    const unsubQueries = client.getQueryCache().subscribe((e) => {
      if (e.type === "updated" && e.action.type === "error") onError(e.action.error);
    });
    const unsubMutations = client.getMutationCache().subscribe((e) => {
      if (e.type === "updated" && e.action.type === "error") onError(e.action.error);
    });
    return () => {
      unsubQueries();
      unsubMutations();
    };
  }, [client]);

  return (
    <ThemeProvider attribute="class" defaultTheme="system" enableSystem disableTransitionOnChange>
      <QueryClientProvider client={client}>
        <Toaster>{children}</Toaster>
      </QueryClientProvider>
    </ThemeProvider>
  );
}
