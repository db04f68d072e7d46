// The master key: from FORTRESS_MASTER_KEY or a 0600 key file created on first start; a wrong master
// key fails closed; a bad setting stops the process with a clear line.
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SYSTEM_ACTOR } from "@/lib/context";
import { getDb } from "@/lib/db";
import { parseEnv, resetEnvForTests } from "@/lib/env";
import { storeSecret, withSecret } from "@/lib/vault";
import { masterKey, resetMasterKeyForTests } from "@/lib/vault/master-key";
import { serviceKeyring } from "@/lib/vault/service-keys";
import { newOrg } from "./helpers";
import { isolateDatabase } from "./vault-isolated-db";

isolateDatabase("vault_master_key");

const original = { dir: process.env.FORTRESS_DATA_DIR, key: process.env.FORTRESS_MASTER_KEY };
afterEach(() => {
  process.env.FORTRESS_DATA_DIR = original.dir;
  if (original.key === undefined) delete process.env.FORTRESS_MASTER_KEY;
  else process.env.FORTRESS_MASTER_KEY = original.key;
  resetEnvForTests();
});

describe("vault master key", () => {
  it("is generated once into the data folder with mode 0600 and read back on the next start", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "fortress-mk-"));
    try {
      process.env.FORTRESS_DATA_DIR = dir;
      delete process.env.FORTRESS_MASTER_KEY;
      resetEnvForTests();
      resetMasterKeyForTests();
      const first = Buffer.from(masterKey());
      const file = path.join(dir, "master.key");
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(Buffer.from(readFileSync(file, "utf8").trim(), "base64").equals(first)).toBe(true);
      resetMasterKeyForTests();
      expect(masterKey().equals(first)).toBe(true);
      // The setting wins over the file.
      const fromEnv = randomBytes(32);
      process.env.FORTRESS_MASTER_KEY = fromEnv.toString("base64");
      resetEnvForTests();
      resetMasterKeyForTests();
      expect(masterKey().equals(fromEnv)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      resetMasterKeyForTests();
    }
  });

  it("refuses a malformed FORTRESS_MASTER_KEY and FORTRESS_KEY_ROTATION_DAYS with a clear message", () => {
    expect(() => parseEnv({ FORTRESS_MASTER_KEY: "c2hvcnQ=" })).toThrow(/FORTRESS_MASTER_KEY: must be base64 of exactly 32 bytes/);
    expect(() => parseEnv({ FORTRESS_KEY_ROTATION_DAYS: "0" })).toThrow(/FORTRESS_KEY_ROTATION_DAYS/);
    expect(parseEnv({}).FORTRESS_KEY_ROTATION_DAYS).toBe(90);
  });

  it("fails closed when the master key does not open the service keys", async () => {
    process.env.FORTRESS_MASTER_KEY = randomBytes(32).toString("base64");
    resetEnvForTests();
    resetMasterKeyForTests();
    serviceKeyring().invalidate();
    const { org } = await newOrg();
    const meta = await storeSecret(await getDb(), { orgId: org.id, purpose: "webhook", type: "webhook_secret", label: "w", plaintext: Buffer.from("whsec_0123456789abcdef"), actor: SYSTEM_ACTOR });
    // Another master key (a lost or wrong setting): nothing opens, nothing leaks.
    process.env.FORTRESS_MASTER_KEY = randomBytes(32).toString("base64");
    resetEnvForTests();
    resetMasterKeyForTests();
    serviceKeyring().invalidate();
    const err = await withSecret({ orgId: org.id, secretId: meta.id }, "webhook", () => "opened", { actor: SYSTEM_ACTOR }).catch((e) => e);
    expect(err).toMatchObject({ code: "unavailable", details: { failure: "integrity" } });
  });
});
