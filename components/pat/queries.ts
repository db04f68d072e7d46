"use client";

import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { api } from "@/components/console/api";
import type { Page } from "@/components/console/types";
import type { ArchivedExchange, OrgUsage, PatKey, PatRequest } from "./types";

export const patKeys = {
  list: ["pat-keys"] as const,
  usage: (month: string) => ["pat-usage", month] as const,
  requests: (filter: string) => ["pat-requests", filter] as const,
  archive: (id: string) => ["pat-archive", id] as const,
};

export const usePatKeys = () => useQuery({ queryKey: patKeys.list, queryFn: () => api<{ data: PatKey[] }>("/pat-keys").then((r) => r.data) });

export const useOrgUsage = (month: string) =>
  useQuery({ queryKey: patKeys.usage(month), queryFn: () => api<OrgUsage>(`/metering/usage?month=${month}`), refetchInterval: 30_000 });

export function usePatRequests(filter: { decision?: string; pat_key_id?: string }) {
  const qs = new URLSearchParams(Object.entries(filter).filter(([, v]) => !!v) as [string, string][]).toString();
  const q = useInfiniteQuery({
    queryKey: patKeys.requests(qs),
    queryFn: ({ pageParam }) => api<Page<PatRequest>>(`/pat-requests?limit=50${qs ? `&${qs}` : ""}${pageParam ? `&cursor=${encodeURIComponent(pageParam)}` : ""}`),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor,
  });
  return { ...q, items: q.data?.pages.flatMap((p) => p.data) ?? [] };
}

export const useArchive = (id: string | null) =>
  useQuery({ queryKey: patKeys.archive(id ?? ""), queryFn: () => api<ArchivedExchange>(`/pat-requests/${id}/archive`), enabled: !!id, retry: false, staleTime: 0, gcTime: 0 });
