// CONTRACT: what a connector type is (catalog entry + executor), shared by the MCP gateway, the
// connector admin API and the policy console. Implementations live in lib/connectors/<vendor>/.

export interface CredentialField {
  name: string;
  label: string;
  /** Secret fields go to the vault; non-secret ones to connectors.config. */
  secret: boolean;
  optional?: boolean;
  help?: string;
}

export interface ConnectorActionDef {
  /** Without the connector prefix: "list_tickets". [a-z0-9_]+ */
  name: string;
  title?: string;
  description: string;
  /** JSON Schema (draft 2020-12) of the arguments. */
  inputSchema: Record<string, unknown>;
  outputSchema?: Record<string, unknown>;
  destructive: boolean;
  readOnly: boolean;
  /** Execution details stored with the action (OpenAPI method/path, upstream tool name…). */
  binding?: Record<string, unknown>;
}

export interface ConnectorRef {
  id: string;
  orgId: string;
  slug: string;
  type: string;
  config: Record<string, unknown>;
}

export interface ActionCall {
  connector: ConnectorRef;
  action: { name: string; binding: Record<string, unknown> };
  /** Already validated against the action's inputSchema. */
  args: Record<string, unknown>;
  /** The credential as stored in the vault (JSON of the secret fields), valid only during the call. */
  credential: Buffer;
  signal?: AbortSignal;
  requestId: string;
}

export interface ActionResult {
  content: Array<{ type: "text"; text: string }>;
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

/** A vendor said no (4xx/5xx) or could not be reached. `message` is the vendor's, never a credential. */
export class ConnectorError extends Error {
  constructor(
    message: string,
    readonly options: { status?: number; retryAfterSeconds?: number; transient?: boolean } = {},
  ) {
    super(message);
    this.name = "ConnectorError";
  }
}

export interface ConnectorType {
  type: string;
  name: string;
  description: string;
  credentialFields: CredentialField[];
  /** Non-secret configuration fields (Zendesk subdomain, Jira site URL…), validated at save time. */
  configFields: CredentialField[];
  /** Catalog actions (vendors) — OpenAPI and upstream MCP connectors discover theirs instead. */
  actions: ConnectorActionDef[];
  execute(call: ActionCall): Promise<ActionResult>;
  /** The read-only test call behind "Test Connection". Throws ConnectorError on failure. */
  test(call: Omit<ActionCall, "action" | "args">): Promise<void>;
  /** Vault credential type ("api_token", "oauth_token", "github_app"…), shown with the secret's metadata. */
  credentialType?: string;
  /**
   * The URL this connector calls, from its configuration. Checked against the SSRF rules before the
   * vault is asked for the credential, so a connector pointed at an internal address never decrypts it.
   * Throws ConnectorError when the configuration is unusable.
   */
  endpoint?(config: Record<string, unknown>): string;
  /** Checks non-secret configuration at save time; returns the normalised config or throws ConnectorError. */
  validateConfig?(config: Record<string, unknown>): Record<string, unknown>;
}
