// Who is acting and on which request: passed from each surface down into the domain functions, so
// every audit event and change-log entry names its actor and request.
export type ActorType = "user" | "service_account" | "system" | "anonymous";

export interface Actor {
  type: ActorType;
  id: string | null;
  /** What a person reads in the console: an email, a service account name, "system". */
  label: string | null;
}

export interface RequestMeta {
  requestId: string;
  clientIp: string | null;
}

export const SYSTEM_ACTOR: Actor = { type: "system", id: null, label: "system" };
export const ANONYMOUS_ACTOR: Actor = { type: "anonymous", id: null, label: null };
