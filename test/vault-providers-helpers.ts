// Shared by the key-provider tests: log capture, canary checks, and the allowance for local fakes.
import { randomBytes } from "node:crypto";
import { Writable } from "node:stream";
import { expect } from "vitest";
import { resetEnvForTests } from "@/lib/env";
import { createLogger, useLoggerForTests } from "@/lib/log";
import { KeyProviderError, type KeyProviderFailure, type WrapContext } from "@/lib/vault/key-provider";

export const logLines: string[] = [];

/** Capture every log line at trace level; allow plain http to the loopback fakes (as an operator would with FORTRESS_OUTBOUND_ALLOW). */
export function setUpProviderTests() {
  process.env.FORTRESS_OUTBOUND_ALLOW = "127.0.0.1/32";
  resetEnvForTests();
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logLines.push(String(chunk));
      cb();
    },
  });
  useLoggerForTests(createLogger(sink, "trace"));
}

export function tearDownProviderTests() {
  useLoggerForTests(undefined);
  delete process.env.FORTRESS_OUTBOUND_ALLOW;
  resetEnvForTests();
}

export const ctx = (over: Partial<WrapContext> = {}): WrapContext => ({ orgId: "org_a", purpose: "connector", objectId: "sec_1", keyVersion: 1, ...over });

/** A data key whose every encoding we can look for. */
export function canaryKey(): Buffer {
  return randomBytes(32);
}

export function encodings(key: Buffer): string[] {
  return [key.toString("hex"), key.toString("base64"), key.toString("base64url"), encodeURIComponent(key.toString("base64"))];
}

/** No encoding of `key` appears in the logs or in the error (message, cause, JSON). */
export function expectNoLeak(key: Buffer, error?: unknown) {
  const haystacks = [logLines.join("\n")];
  if (error) {
    const e = error as Error & { cause?: Error };
    haystacks.push(String(e.message), String(e.stack), String(e.cause?.message), JSON.stringify(e));
  }
  for (const enc of encodings(key)) for (const h of haystacks) expect(h.includes(enc)).toBe(false);
}

export async function expectFailure(p: Promise<unknown>, failure: KeyProviderFailure): Promise<KeyProviderError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(KeyProviderError);
    expect((e as KeyProviderError).failure).toBe(failure);
    return e as KeyProviderError;
  }
  throw new Error(`expected a ${failure} failure, got success`);
}
