// Model allowlists. An entry is an exact model id ("claude-sonnet-4-5-20250929"), or an alias
// without a date ("claude-sonnet-4-5", or "claude-3-5-sonnet-latest") that also admits the dated
// snapshots of that alias ("claude-sonnet-4-5-20250929"). A dated entry does NOT admit its alias:
// the alias may move to a newer snapshot the admin never approved. Empty list = every model.

const DATED = /^(.*)-(\d{8})$/;

/** "claude-sonnet-4-5-20250929" → "claude-sonnet-4-5"; an id without a date → null. */
export function snapshotAlias(model: string): string | null {
  const m = DATED.exec(model);
  return m ? m[1] : null;
}

export function modelAllowed(allowlist: readonly string[], model: string): boolean {
  if (allowlist.length === 0) return true;
  const alias = snapshotAlias(model);
  for (const entry of allowlist) {
    if (entry === model) return true;
    if (alias === null || DATED.test(entry)) continue;
    const base = entry.endsWith("-latest") ? entry.slice(0, -"-latest".length) : entry;
    if (alias === base) return true;
  }
  return false;
}

/** Model ids are short tokens; anything else in an allowlist is a typo the admin should see. */
export const MODEL_ID = /^[a-z0-9][a-z0-9.\-_:@]{0,99}$/i;
