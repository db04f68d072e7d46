import type { Metadata } from "next";
import { TrafficFeedScreen } from "@/components/evidence/traffic-feed-screen";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Traffic Feed" };

export default function TrafficPage() {
  return <TrafficFeedScreen />;
}
