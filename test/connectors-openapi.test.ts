// OpenAPI connectors: a YAML (or JSON) document imported, its operations offered as actions, the
// admin's choice exposed, auth from the vault per securitySchemes, calls built from the bindings.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importOpenApi } from "@/lib/connectors/openapi";
import { checkArguments } from "@/lib/connectors/arguments";
import { allowLoopback, api, runAction, structured } from "./connectors-helpers";
import type { Fake } from "./fakes/http";
import { INVENTORY_KEY, inventoryYaml, startInventoryFake } from "./fakes/openapi";
import { newOrg } from "./helpers";

let inv: Fake;
beforeAll(async () => {
  allowLoopback();
  inv = await startInventoryFake();
});
afterAll(async () => {
  expect(inv.violations).toEqual([]);
  await inv.close();
});

describe("OpenAPI import", () => {
  it("turns operations into actions with closed input schemas, $refs resolved", () => {
    const imp = importOpenApi(inventoryYaml("https://inventory.example.com"));
    expect(imp).toMatchObject({ title: "Inventory", version: "1.2", serverUrl: "https://inventory.example.com/v1", auth: { type: "apiKey", in: "header", name: "X-Inventory-Key" } });
    expect(imp.operations.map((o) => o.name)).toEqual(["list_items", "create_item", "get_item", "delete_item"]);
    const get = imp.operations.find((o) => o.name === "get_item")!;
    expect(get.inputSchema).toMatchObject({ type: "object", required: ["itemId"], additionalProperties: false, properties: { itemId: { type: "integer", minimum: 1 } } });
    expect(get.readOnly).toBe(true);
    expect(imp.operations.find((o) => o.name === "delete_item")!.destructive).toBe(true);
    const list = imp.operations.find((o) => o.name === "list_items")!;
    expect(Object.keys(list.inputSchema.properties as object)).toEqual(["limit"]); // Authorization header parameter dropped
    const create = imp.operations.find((o) => o.name === "create_item")!;
    expect(create.inputSchema.required).toEqual(["body"]);
    expect(checkArguments(create.inputSchema, { body: { name: "nut", extra: 1 } })).toEqual({ ok: false, message: "Invalid arguments: arguments.body has unknown argument extra" });
  });

  it("rejects what it cannot import, with a clear message", () => {
    expect(() => importOpenApi("swagger: '2.0'\npaths: {}")).toThrow(/Swagger 2.0/);
    expect(() => importOpenApi("{not json")).toThrow(/not valid JSON or YAML/);
    expect(() => importOpenApi({ openapi: "3.1.0", paths: {} })).toThrow(/no operations/);
    expect(() => importOpenApi({ openapi: "3.1.0", paths: { "/a": { get: { parameters: [{ $ref: "https://evil.example/x" }] } } } })).toThrow(/local \$refs/);
  });

  it("JSON documents work too", () => {
    const doc = { openapi: "3.1.0", info: { title: "T", version: "1" }, servers: [{ url: "https://api.example.com" }], components: { securitySchemes: { b: { type: "http", scheme: "bearer" } } }, paths: { "/ping": { get: { summary: "Ping" } } } };
    const imp = importOpenApi(JSON.stringify(doc));
    expect(imp.auth).toEqual({ type: "bearer" });
    expect(imp.operations[0].name).toBe("get_ping");
  });
});

describe("OpenAPI auth schemes", () => {
  it("bearer and basic credentials go where the security scheme says", async () => {
    const { startFake } = await import("./fakes/http");
    const seen: string[] = [];
    const f = await startFake((req) => {
      seen.push(String(req.headers.authorization));
      return { status: 200, body: { ok: true } };
    });
    try {
      const { direct } = await import("./connectors-helpers");
      const binding = { method: "GET", path: "/ping/{id}", params: [{ name: "id", in: "path", arg: "id" }, { name: "q", in: "query", arg: "q" }], body: false, bodyRequired: false };
      await direct("openapi", { base_url: f.url, auth: { type: "bearer" } }, { token: "bearer-tok-123" }, "ping", { id: "a/b", q: "x y" }, binding);
      await direct("openapi", { base_url: f.url, auth: { type: "basic" }, username: "svc" }, { password: "pw-123456" }, "ping", { id: "1" }, binding);
      expect(seen).toEqual(["Bearer bearer-tok-123", `Basic ${Buffer.from("svc:pw-123456").toString("base64")}`]);
    } finally {
      await f.close();
    }
  });
});

describe("OpenAPI connector", () => {
  it("exposes the chosen operations and calls them with the vault's API key", async () => {
    const { org, user, token } = await newOrg();
    const missingKey = await api.create(token, { type: "openapi", name: "Inventory", openapi_document: inventoryYaml(inv.url), credentials: {} });
    expect(missingKey.status).toBe(400);
    expect(missingKey.json.error.message).toContain("credentials.api_key");
    const badOp = await api.create(token, { type: "openapi", name: "Inventory", openapi_document: inventoryYaml(inv.url), credentials: { api_key: INVENTORY_KEY }, operations: ["nope"] });
    expect(badOp.status).toBe(400);
    const created = await api.create(token, {
      type: "openapi",
      name: "Inventory",
      openapi_document: inventoryYaml(inv.url),
      credentials: { api_key: INVENTORY_KEY },
      config: { test_path: "/items" },
      operations: ["list_items", "get_item"],
    });
    expect(created.status).toBe(201);
    const c = created.json;
    expect(c.config).toMatchObject({ base_url: `${inv.url}/v1`, title: "Inventory", auth: { type: "apiKey", name: "X-Inventory-Key" } });
    expect(c.tools).toEqual({ total: 4, exposed: 2, pending_approval: 0 });
    expect((await api.test(token, c.id)).json.ok).toBe(true);
    expect(inv.requests.at(-1)!.path).toBe("/v1/items");

    const got = await runAction(org.id, user.id, c.id, "get_item", { itemId: 1 });
    expect(structured(got)).toEqual({ id: 1, name: "bolt", quantity: 10 });
    expect(inv.requests.at(-1)!.headers["x-inventory-key"]).toBe(INVENTORY_KEY);
    const listed = await runAction(org.id, user.id, c.id, "list_items", { limit: 5 });
    expect(inv.requests.at(-1)!.query.get("limit")).toBe("5");
    expect(structured(listed).items).toHaveLength(1);
    // Not chosen → not exposed → not callable.
    expect((await runAction(org.id, user.id, c.id, "delete_item", { itemId: 1 })).isError).toBe(true);
    // The admin picks more operations (the Change Log records it).
    const put = await api.putActions(token, c.id, { exposed: ["list_items", "get_item", "create_item"] });
    expect(put.json.data.filter((a: any) => a.exposed).map((a: any) => a.name).sort()).toEqual(["create_item", "get_item", "list_items"]);
    const made = await runAction(org.id, user.id, c.id, "create_item", { body: { name: "nut", quantity: 3 } });
    expect(structured(made)).toMatchObject({ name: "nut", quantity: 3 });
    expect(inv.requests.at(-1)!.body).toEqual({ name: "nut", quantity: 3 });
    const nf = await runAction(org.id, user.id, c.id, "get_item", { itemId: 99 });
    expect(nf.isError).toBe(true);
    expect(nf.content[0].text).toContain("item 99 not found");
  });
});
