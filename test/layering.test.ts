// lib/ is the framework-free product: gateways, tests and benchmarks must be able to use it without
// Next.js or React. db/ sits at the bottom and imports nothing above it.
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? files(p) : /\.(ts|tsx)$/.test(name) ? [p] : [];
  });
}

const importsOf = (file: string) => [...readFileSync(file, "utf8").matchAll(/(?:from|import)\s*\(?\s*["']([^"']+)["']/g)].map((m) => m[1]);

describe("layering", () => {
  it("lib/ imports nothing from next, next-auth or react", () => {
    const offenders = files("lib")
      .filter((f) => !f.endsWith(".test.ts"))
      .flatMap((f) => importsOf(f).filter((i) => /^(next|next-auth|react|react-dom)(\/|$)/.test(i)).map((i) => `${f}: ${i}`));
    expect(offenders).toEqual([]);
  });

  it("db/ imports nothing from lib/, app/ or components/", () => {
    const offenders = files("db").flatMap((f) => importsOf(f).filter((i) => /^(@\/)?(\.\.\/)*(lib|app|components)\//.test(i)).map((i) => `${f}: ${i}`));
    expect(offenders).toEqual([]);
  });
});
