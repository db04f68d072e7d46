import { patGateway } from "@/lib/gateway/pat/gateway";

// POST /v1/messages – Anthropic Messages API through PAT Fortress (streaming and not)
export const dynamic = "force-dynamic";
export const POST = (request: Request) => patGateway().messages(request);
