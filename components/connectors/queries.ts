"use client";

import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { api } from "@/components/console/api";
import type { Page } from "@/components/console/types";
import type { Connector, ConnectorAction, ConnectorTypeView } from "./types";

export const connectorKeys = {
  all: ["connectors"] as const,
  one: (id: string) => ["connectors", id] as const,
  actions: (id: string) => ["connectors", id, "actions"] as const,
  types: ["connector-types"] as const,
};

export function useConnectors() {
  const q = useInfiniteQuery({
    queryKey: connectorKeys.all,
    queryFn: ({ pageParam }) => api<Page<Connector>>(`/connectors?limit=50${pageParam ? `&cursor=${encodeURIComponent(pageParam)}` : ""}`),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor,
  });
  return { ...q, items: q.data?.pages.flatMap((p) => p.data) ?? [] };
}

export const useConnector = (id: string) => useQuery({ queryKey: connectorKeys.one(id), queryFn: () => api<Connector>(`/connectors/${id}`) });
export const useConnectorActions = (id: string) =>
  useQuery({ queryKey: connectorKeys.actions(id), queryFn: () => api<{ data: ConnectorAction[] }>(`/connectors/${id}/actions`) });
export const useConnectorTypes = (enabled = true) =>
  useQuery({ queryKey: connectorKeys.types, queryFn: () => api<{ data: ConnectorTypeView[] }>("/connector-types"), staleTime: 5 * 60_000, enabled });
