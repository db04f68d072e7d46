// checkArguments: the one argument check of a tool call, shared by the MCP gateway and the connector
// layer (lib/connectors/arguments.ts).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkArguments } from "@/lib/connectors/arguments";

const tuple = { type: "array", items: [{ type: "string" }, { type: "integer" }], minItems: 2 };

describe("checkArguments", () => {
  it("validates JSON Schema 2020-12 by default, with formats", () => {
    const schema = { type: "object", properties: { pair: { type: "array", prefixItems: [{ type: "string" }, { type: "integer" }] }, email: { type: "string", format: "email" } } };
    expect(checkArguments(schema, { pair: ["a", 1], email: "a@example.com" })).toEqual({ ok: true });
    expect(checkArguments(schema, { pair: ["a", "b"] })).toEqual({ ok: false, message: "Invalid arguments: arguments.pair.1 must be integer" });
    expect(checkArguments(schema, { email: "not an address" })).toEqual({ ok: false, message: 'Invalid arguments: arguments.email must match format "email"' });
  });

  it("validates a schema that declares draft-07 as draft-07 (tuple items), as upstream MCP servers emit", () => {
    const schema = { $schema: "http://json-schema.org/draft-07/schema#", type: "object", properties: { pair: tuple }, required: ["pair"] };
    expect(checkArguments(schema, { pair: ["a", 1] })).toEqual({ ok: true });
    expect(checkArguments(schema, { pair: ["a", "b"] })).toEqual({ ok: false, message: "Invalid arguments: arguments.pair.1 must be integer" });
    expect(checkArguments(schema, {})).toEqual({ ok: false, message: "Invalid arguments: arguments is missing required argument pair" });
  });

  it("reports up to five problems at once, naming unknown arguments", () => {
    const schema = { type: "object", additionalProperties: false, required: ["a", "b"], properties: { a: { type: "string" }, b: { type: "string" } } };
    expect(checkArguments(schema, { a: 1, extra: true })).toEqual({
      ok: false,
      message: "Invalid arguments: arguments is missing required argument b; arguments has unknown argument extra; arguments.a must be string",
    });
    const many = { type: "object", properties: Object.fromEntries("abcdefg".split("").map((k) => [k, { type: "string" }])) };
    const check = checkArguments(many, Object.fromEntries("abcdefg".split("").map((k) => [k, 1])));
    expect(check.ok).toBe(false);
    expect(!check.ok && check.message.split("; ")).toHaveLength(5);
  });

  it("two versions of an action with the same $id both compile", () => {
    const v1 = { $id: "urn:tool:x", type: "object", properties: { n: { type: "integer" } } };
    const v2 = { $id: "urn:tool:x", type: "object", properties: { n: { type: "string" } } };
    expect(checkArguments(v1, { n: 1 }).ok).toBe(true);
    expect(checkArguments(v2, { n: "1" }).ok).toBe(true);
    expect(checkArguments(v2, { n: 1 }).ok).toBe(false);
  });

  it("refuses every call to a schema that does not compile, remote $refs included (never fetched)", () => {
    for (const schema of [{ type: "object", properties: { x: { $ref: "https://evil.example/schema.json" } } }, { type: 12 }]) {
      expect(checkArguments(schema, { x: 1 })).toEqual({ ok: false, message: "This tool's input schema is invalid; ask an administrator to fix the connector" });
    }
  });

  it("with no schema, any object passes and nothing else does; it never throws", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const isObject = typeof value === "object" && value !== null && !Array.isArray(value);
        expect(checkArguments(null, value).ok).toBe(isObject);
      }),
    );
  });
});
