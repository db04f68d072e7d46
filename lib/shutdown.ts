// Work to do before the process exits (give back spend leases…). The list lives on globalThis: the
// server script (scripts/server.ts) and the Next.js bundle load their own copies of lib/ modules.
type Hook = () => Promise<void>;
const g = globalThis as typeof globalThis & { __fortressShutdownHooks?: Hook[] };

export function onShutdown(hook: Hook): void {
  (g.__fortressShutdownHooks ??= []).push(hook);
}

/** Runs every hook once, each bounded by `timeoutMs`; failures are ignored (the process is leaving). */
export async function runShutdownHooks(timeoutMs = 5_000): Promise<void> {
  const hooks = g.__fortressShutdownHooks ?? [];
  g.__fortressShutdownHooks = [];
  await Promise.all(
    hooks.map((hook) =>
      Promise.race([hook().catch(() => {}), new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref())]),
    ),
  );
}
