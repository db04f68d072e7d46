// Fake REST API described by an OpenAPI 3 document (a small inventory service with an API key header).
import { Fake, isJson, startFake, type FakeReply, type FakeRequest } from "./http";

export const INVENTORY_KEY = "inv-key-4b1f9e2d77";

export const inventoryYaml = (serverUrl: string) => `
openapi: 3.0.3
info:
  title: Inventory
  version: "1.2"
servers:
  - url: ${serverUrl}/v1
security:
  - apiKeyAuth: []
components:
  securitySchemes:
    apiKeyAuth:
      type: apiKey
      in: header
      name: X-Inventory-Key
  parameters:
    ItemId:
      name: itemId
      in: path
      required: true
      schema: { type: integer, minimum: 1 }
  schemas:
    NewItem:
      type: object
      additionalProperties: false
      required: [name]
      properties:
        name: { type: string }
        quantity: { type: integer, minimum: 0 }
paths:
  /items:
    get:
      operationId: listItems
      summary: List items
      parameters:
        - name: limit
          in: query
          schema: { type: integer, maximum: 50 }
        - name: Authorization
          in: header
          schema: { type: string }
    post:
      operationId: createItem
      summary: Create an item
      requestBody:
        required: true
        content:
          application/json:
            schema: { $ref: '#/components/schemas/NewItem' }
  /items/{itemId}:
    parameters:
      - $ref: '#/components/parameters/ItemId'
    get:
      operationId: getItem
      summary: Get an item
    delete:
      operationId: deleteItem
      summary: Delete an item
`;

export async function startInventoryFake(): Promise<Fake> {
  const items = new Map([[1, { id: 1, name: "bolt", quantity: 10 }]]);
  return startFake((req: FakeRequest, f): FakeReply => {
    if (req.headers["x-inventory-key"] !== INVENTORY_KEY) return { status: 401, body: { message: "invalid API key" } };
    if (req.headers.authorization) return f.violation("no Authorization header expected (API key scheme)");
    let m: RegExpExecArray | null;
    if (req.path === "/v1/items" && req.method === "GET") return { status: 200, body: { items: [...items.values()].slice(0, Number(req.query.get("limit") ?? 50)) } };
    if (req.path === "/v1/items" && req.method === "POST") {
      if (!isJson(req)) return f.violation("JSON body expected");
      const id = items.size + 1;
      items.set(id, { id, quantity: 0, ...req.body });
      return { status: 201, body: items.get(id) };
    }
    if ((m = /^\/v1\/items\/(\d+)$/.exec(req.path))) {
      const item = items.get(Number(m[1]));
      if (!item) return { status: 404, body: { message: `item ${m[1]} not found` } };
      if (req.method === "GET") return { status: 200, body: item };
      if (req.method === "DELETE") {
        items.delete(item.id);
        return { status: 204 };
      }
    }
    return { status: 404, body: { message: "no route" } };
  });
}
