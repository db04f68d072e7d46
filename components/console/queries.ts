"use client";

import { useInfiniteQuery } from "@tanstack/react-query";
import { api } from "./api";
import type { ApiKey, Invitation, Member, Page, ServiceAccount } from "./types";

export const queryKeys = {
  apiKeys: ["api-keys"] as const,
  members: ["users"] as const,
  invitations: ["invitations"] as const,
  serviceAccounts: ["service-accounts"] as const,
};

const PAGE = 50;
const withCursor = (path: string, cursor: string | null) =>
  `${path}?limit=${PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;

/** A paginated list (newest first) with "Load more"; `items` is every page so far, flattened. */
function useList<T>(key: readonly string[], path: string, enabled = true) {
  const q = useInfiniteQuery({
    queryKey: key,
    queryFn: ({ pageParam }) => api<Page<T>>(withCursor(path, pageParam)),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor,
    enabled,
  });
  return { ...q, items: q.data?.pages.flatMap((p) => p.data) ?? [] };
}

export const useApiKeys = () => useList<ApiKey>(queryKeys.apiKeys, "/api-keys");
export const useMembers = (enabled = true) => useList<Member>(queryKeys.members, "/users", enabled);
export const useInvitations = (enabled = true) => useList<Invitation>(queryKeys.invitations, "/invitations", enabled);
export const useServiceAccounts = (enabled = true) =>
  useList<ServiceAccount>(queryKeys.serviceAccounts, "/service-accounts", enabled);

