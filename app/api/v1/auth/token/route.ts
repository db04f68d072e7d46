import { issueAccessToken } from "@/lib/accounts/login";
import { ZCredentials } from "@/lib/accounts/schemas";
import { json } from "@/lib/http/admin-errors";
import { publicRoute } from "@/lib/http/admin-route";
import { readJson } from "@/lib/http/body";

// POST /api/v1/auth/token – exchange email and password for a short-lived admin API access token
export const POST = publicRoute(async ({ db, meta }, request) => {
  const { email, password } = await readJson(request, ZCredentials);
  return json(await issueAccessToken(db, email, password, meta));
});
