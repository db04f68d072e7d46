// Small builders for the actions' JSON Schemas (draft 2020-12, closed objects) and config checks.
import type { ConnectorActionDef } from "./types";
import { ConnectorError } from "./types";

type Props = Record<string, Record<string, unknown>>;

export function objectSchema(properties: Props, required: string[] = []): Record<string, unknown> {
  return { type: "object", properties, required, additionalProperties: false };
}

export function defineAction(
  name: string,
  description: string,
  properties: Props,
  required: string[],
  flags: { readOnly?: boolean; destructive?: boolean; title?: string } = {},
): ConnectorActionDef {
  return {
    name,
    title: flags.title,
    description,
    inputSchema: objectSchema(properties, required),
    readOnly: flags.readOnly ?? false,
    destructive: flags.destructive ?? false,
  };
}

export const S = {
  string: (description: string, extra: Record<string, unknown> = {}) => ({ type: "string", description, ...extra }),
  int: (description: string, extra: Record<string, unknown> = {}) => ({ type: "integer", description, ...extra }),
  bool: (description: string) => ({ type: "boolean", description }),
  strings: (description: string) => ({ type: "array", items: { type: "string" }, description }),
  object: (description: string) => ({ type: "object", description }),
  enum: (description: string, values: string[]) => ({ type: "string", enum: values, description }),
};

/** An https base URL override (self-hosted proxies, enterprise hosts, test fakes); SSRF rules apply at call time. */
export function checkBaseUrl(value: unknown, field = "base_url"): string | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value !== "string") throw new ConnectorError(`${field} must be a URL`, { status: 400 });
  let u: URL;
  try {
    u = new URL(value.trim());
  } catch {
    throw new ConnectorError(`${field} must be a URL`, { status: 400 });
  }
  if (u.protocol !== "https:" && u.protocol !== "http:") throw new ConnectorError(`${field} must be an https URL`, { status: 400 });
  if (u.username || u.password) throw new ConnectorError(`${field} must not contain credentials`, { status: 400 });
  if (u.search || u.hash) throw new ConnectorError(`${field} must not contain a query or fragment`, { status: 400 });
  return u.toString().replace(/\/+$/, "");
}

export function checkPattern(value: unknown, field: string, re: RegExp, hint: string, required = true): string | undefined {
  if (value === undefined || value === null || value === "") {
    if (required) throw new ConnectorError(`${field} is required`, { status: 400 });
    return undefined;
  }
  if (typeof value !== "string" || !re.test(value.trim())) throw new ConnectorError(`${field} ${hint}`, { status: 400 });
  return value.trim();
}
