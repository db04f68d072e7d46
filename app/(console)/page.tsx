import type { Metadata } from "next";
import { StatusBoardScreen } from "@/components/evidence/status-board-screen";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Status Board" };

export default function ConsoleHome() {
  return <StatusBoardScreen />;
}
