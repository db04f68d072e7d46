// The console's only way to the server: same-origin fetches to the admin API, authenticated by the
// session cookie. Errors carry the API's own message, which is what the person should read.

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly type: string,
    readonly requestId?: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export async function api<T>(path: string, options: { method?: Method; body?: unknown } = {}): Promise<T> {
  const method = options.method ?? "GET";
  let res: Response;
  try {
    res = await fetch(`/api/v1${path}`, {
      method,
      credentials: "same-origin",
      cache: "no-store",
      headers: options.body === undefined ? { accept: "application/json" } : { accept: "application/json", "content-type": "application/json" },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
  } catch {
    throw new ApiError("Fortress could not be reached. Check your connection and try again.", 0, "network");
  }
  if (res.status === 204) return undefined as T;
  const payload = await res.json().catch(() => null);
  if (!res.ok) {
    const err = (payload as { error?: { type?: string; message?: string; request_id?: string } } | null)?.error;
    const message =
      err?.message ?? (res.status >= 500 ? `Fortress had a problem (HTTP ${res.status}). Try again.` : `Request failed (HTTP ${res.status})`);
    throw new ApiError(message, res.status, err?.type ?? "unknown", err?.request_id ?? res.headers.get("x-request-id") ?? undefined);
  }
  return payload as T;
}

/** The message to show for any thrown value. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof Error && err.message) return err.message;
  return "Something went wrong. Try again.";
}
