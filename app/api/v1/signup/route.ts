import { ZSignUp } from "@/lib/accounts/schemas";
import { signUp } from "@/lib/accounts/sign-up";
import { json } from "@/lib/http/admin-errors";
import { publicRoute } from "@/lib/http/admin-route";
import { readJson } from "@/lib/http/body";

// POST /api/v1/signup – create an organisation and its owner
export const POST = publicRoute(async ({ db, meta }, request) => {
  const input = await readJson(request, ZSignUp);
  return json(await signUp(db, input, meta), 201);
});
