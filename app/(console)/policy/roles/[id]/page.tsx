import type { Metadata } from "next";
import { RoleEditor } from "@/components/policy/role-editor";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Edit Role" };

export default async function Page({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <RoleEditor id={id} />;
}
