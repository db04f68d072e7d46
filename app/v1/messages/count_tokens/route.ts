import { patGateway } from "@/lib/gateway/pat/gateway";

// POST /v1/messages/count_tokens – token counting through PAT Fortress (model allowlist applies)
export const dynamic = "force-dynamic";
export const POST = (request: Request) => patGateway().countTokens(request);
