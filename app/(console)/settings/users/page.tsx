import type { Metadata } from "next";
import { UsersScreen } from "@/components/users/users-screen";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Users" };

export default function UsersPage() {
  return <UsersScreen />;
}
