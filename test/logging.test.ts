// Logs never carry passwords, API keys, tokens or cookies, whatever path a secret takes into them.
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST as createKey } from "@/app/api/v1/api-keys/route";
import { POST as tokenRoute } from "@/app/api/v1/auth/token/route";
import { POST as signupRoute } from "@/app/api/v1/signup/route";
import { createLogger, isSecretField, REDACTED, scrubForLog, useLoggerForTests } from "@/lib/log";
import { call, PASSWORD, uniqueEmail } from "./helpers";

let lines: string[] = [];
const sink = new Writable({
  write(chunk, _enc, cb) {
    lines.push(String(chunk));
    cb();
  },
});

beforeAll(() => useLoggerForTests(createLogger(sink, "trace")));
afterAll(() => useLoggerForTests(undefined));

describe("log redaction", () => {
  it("redacts secret-bearing fields and secret-looking values anywhere in an object", () => {
    const key = "fk_live_" + "a1B2".repeat(10);
    const out = JSON.stringify(
      scrubForLog({
        headers: { authorization: "Bearer abc.def.ghi", "x-api-key": key, cookie: "next-auth.session-token=xyz" },
        user: { password: "hunter2hunter2", passwordHash: "scrypt$...", nested: [{ clientSecret: "s3cr3t" }] },
        note: `the key was ${key} and sk-ant-api03-ABCDEFGHIJKL`,
        input_tokens: 12,
        key_id: "k-1",
      }),
    );
    for (const secret of ["abc.def.ghi", key, "xyz", "hunter2hunter2", "scrypt$", "s3cr3t", "sk-ant-api03-ABCDEFGHIJKL"]) {
      expect(out).not.toContain(secret);
    }
    expect(out).toContain(REDACTED);
    expect(out).toContain('"input_tokens":12');
    expect(out).toContain('"key_id":"k-1"');
  });

  it("classifies field names", () => {
    for (const n of ["password", "x-api-key", "apiKey", "client_secret", "Authorization", "set-cookie", "private_key", "accessToken", "key"]) {
      expect(isSecretField(n), n).toBe(true);
    }
    for (const n of ["input_tokens", "key_id", "keyHash", "email", "method", "status"]) expect(isSecretField(n), n).toBe(false);
  });

  it("leaves no password, key or token in the logs of real requests", async () => {
    lines = [];
    const email = uniqueEmail();
    await call(signupRoute, { body: { email, password: PASSWORD, org_name: "Log Check" } });
    await call(tokenRoute, { body: { email, password: "a wrong password typed" } });
    const tok = await call(tokenRoute, { body: { email, password: PASSWORD } });
    const key = await call(createKey, { token: tok.json.access_token, body: { name: "logged?" } });
    const logger = (await import("@/lib/log")).logger();
    logger.info({ req: { headers: { authorization: `Bearer ${tok.json.access_token}`, "x-api-key": key.json.key } } }, `got ${key.json.key}`);
    const all = lines.join("\n");
    expect(lines.length).toBeGreaterThan(3);
    for (const secret of [PASSWORD, "a wrong password typed", tok.json.access_token, key.json.key, key.json.key.slice(12)]) {
      expect(all).not.toContain(secret);
    }
  });
});
