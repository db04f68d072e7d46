"use client";

import { useQuery } from "@tanstack/react-query";
import { api } from "@/components/console/api";
import type { Assignment, PolicyResources, RedactionView, Role, Rule } from "./types";

export const policyKeys = {
  roles: ["policy", "roles"] as const,
  role: (id: string) => ["policy", "roles", id] as const,
  rules: ["policy", "rules"] as const,
  resources: ["policy", "resources"] as const,
  redaction: ["policy", "redaction"] as const,
  assignments: ["policy", "assignments"] as const,
};

export const useRoles = () => useQuery({ queryKey: policyKeys.roles, queryFn: async () => (await api<{ data: Role[] }>("/roles")).data });
export const useRole = (id: string) => useQuery({ queryKey: policyKeys.role(id), queryFn: () => api<Role>(`/roles/${id}`) });
export const useRules = () => useQuery({ queryKey: policyKeys.rules, queryFn: async () => (await api<{ data: Rule[] }>("/rules")).data });
export const usePolicyResources = () => useQuery({ queryKey: policyKeys.resources, queryFn: () => api<PolicyResources>("/policy/resources") });
export const useRedaction = () => useQuery({ queryKey: policyKeys.redaction, queryFn: () => api<RedactionView>("/redaction") });
export const useAssignments = (enabled = true) =>
  useQuery({ queryKey: policyKeys.assignments, queryFn: async () => (await api<{ data: Assignment[] }>("/role-assignments")).data, enabled });
