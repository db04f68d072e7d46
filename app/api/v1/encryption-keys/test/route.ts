import { json } from "@/lib/http/admin-errors";
import { adminRoute } from "@/lib/http/admin-route";
import { testEncryptionKeyProvider } from "@/lib/vault/encryption-keys";

// POST /api/v1/encryption-keys/test – wrap/unwrap round trip with the configured provider; result recorded
export const POST = adminRoute("org:write", async (ctx) => json(await testEncryptionKeyProvider(ctx)));
