import { json } from "@/lib/http/admin-errors";
import { adminRoute } from "@/lib/http/admin-route";
import { readJson } from "@/lib/http/body";
import { getEncryptionKeys, putEncryptionKeyProvider, ZKeyProviderConfigInput } from "@/lib/vault/encryption-keys";

// GET /api/v1/encryption-keys – the org's key provider, its last test, the service key's rotation
export const GET = adminRoute("org:read", async (ctx) => json(await getEncryptionKeys(ctx)));

// PUT /api/v1/encryption-keys – configure the org's customer key provider (credentials stored sealed)
export const PUT = adminRoute("org:write", async (ctx, request) => {
  const input = await readJson(request, ZKeyProviderConfigInput);
  return json(await putEncryptionKeyProvider(ctx, input));
});
