// Sign-up, login and admin API token issuance through the real route handlers.
import { afterEach, describe, expect, it } from "vitest";
import { POST as signupRoute } from "@/app/api/v1/signup/route";
import { POST as tokenRoute } from "@/app/api/v1/auth/token/route";
import { GET as meRoute } from "@/app/api/v1/me/route";
import { resetEnvForTests } from "@/lib/env";
import { signToken } from "@/lib/identity/tokens";
import { call, PASSWORD, uniqueEmail } from "./helpers";

afterEach(() => {
  delete process.env.FORTRESS_SIGNUP;
  resetEnvForTests();
});

describe("sign-up", () => {
  it("creates an organisation and its owner, who can then get a token and call the API", async () => {
    const email = uniqueEmail();
    const res = await call(signupRoute, { body: { email, password: PASSWORD, org_name: "Kestrel Labs" } });
    expect(res.status).toBe(201);
    expect(res.json.org).toMatchObject({ name: "Kestrel Labs", tier: "SOHO", products: ["MCP", "PAT"] });
    expect(res.json.org.slug).toMatch(/^kestrel-labs/);
    expect(res.json.user.email).toBe(email);

    const tok = await call(tokenRoute, { body: { email: email.toUpperCase(), password: PASSWORD } });
    expect(tok.status).toBe(200);
    expect(tok.json).toMatchObject({ token_type: "Bearer", expires_in: 900 });
    const me = await call(meRoute, { token: tok.json.access_token });
    expect(me.status).toBe(200);
    expect(me.json).toMatchObject({ console_role: "owner", user: { email }, org: { name: "Kestrel Labs" } });
  });

  it("refuses a second account with the same email", async () => {
    const email = uniqueEmail();
    expect((await call(signupRoute, { body: { email, password: PASSWORD, org_name: "One" } })).status).toBe(201);
    const again = await call(signupRoute, { body: { email, password: PASSWORD, org_name: "Two" } });
    expect(again.status).toBe(409);
    expect(again.json.error).toMatchObject({ type: "conflict", code: 409 });
  });

  it("is refused when FORTRESS_SIGNUP=closed", async () => {
    process.env.FORTRESS_SIGNUP = "closed";
    resetEnvForTests();
    const res = await call(signupRoute, { body: { email: uniqueEmail(), password: PASSWORD, org_name: "Closed Co" } });
    expect(res.status).toBe(403);
    expect(res.json.error.type).toBe("forbidden");
  });

  it("rejects weak passwords and bad emails with a clear message", async () => {
    const res = await call(signupRoute, { body: { email: "not-an-email", password: "short", org_name: "X" } });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toMatch(/email/);
    expect(res.json.error.message).toMatch(/password: must be at least 12 characters/);
  });
});

describe("token issuance", () => {
  it("gives the same answer for an unknown email and a wrong password", async () => {
    const email = uniqueEmail();
    await call(signupRoute, { body: { email, password: PASSWORD, org_name: "Same Answer" } });
    const wrong = await call(tokenRoute, { body: { email, password: "wrong password here" } });
    const unknown = await call(tokenRoute, { body: { email: uniqueEmail("nobody"), password: "wrong password here" } });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.json.error.message).toBe(unknown.json.error.message);
    expect(wrong.json.error.message).toBe("Invalid email or password");
  });

  it("throttles repeated failures on one account, even with the right password afterwards", async () => {
    const email = uniqueEmail();
    await call(signupRoute, { body: { email, password: PASSWORD, org_name: "Throttled" } });
    for (let i = 0; i < 10; i++) {
      expect((await call(tokenRoute, { body: { email, password: `wrong-${i}-password` } })).status).toBe(401);
    }
    const blocked = await call(tokenRoute, { body: { email, password: PASSWORD } });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("throttles one client address across accounts", async () => {
    const headers = { "x-fortress-peer": `203.0.113.${Math.floor(Math.random() * 250) + 1}` };
    let last = 0;
    for (let i = 0; i < 51; i++) {
      last = (await call(tokenRoute, { headers, body: { email: uniqueEmail("spray"), password: "guess-guess-guess" } })).status;
    }
    expect(last).toBe(429);
  });

  it("rejects a forged, expired or console-session token on the admin API", async () => {
    const email = uniqueEmail();
    const { json } = await call(signupRoute, { body: { email, password: PASSWORD, org_name: "Tokens" } });
    const claims = { sub: json.user.id, org: json.org.id, email };
    const expired = await signToken("access", claims, -10);
    const session = await signToken("session", claims);
    const good = await signToken("access", claims);
    const forged = good.slice(0, -4) + (good.endsWith("AAAA") ? "BBBB" : "AAAA");
    for (const token of [expired, session, forged, "not-a-jwt"]) {
      const res = await call(meRoute, { token });
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toMatch(/Bearer/);
    }
    expect((await call(meRoute, {})).status).toBe(401);
    expect((await call(meRoute, { token: good })).status).toBe(200);
  });
});
