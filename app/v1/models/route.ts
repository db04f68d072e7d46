import { patGateway } from "@/lib/gateway/pat/gateway";

// GET /v1/models – the models the caller's PAT key allows
export const dynamic = "force-dynamic";
export const GET = (request: Request) => patGateway().listModels(request);
