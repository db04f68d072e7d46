// Before/after side by side: both values flattened to dotted paths; changed paths highlighted.
import { cn } from "@/components/ui/cn";

function flatten(value: unknown, prefix = "", out: Record<string, string> = {}): Record<string, string> {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0 && prefix) out[prefix] = "{}";
    for (const [k, v] of entries) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (prefix || value !== undefined) {
    out[prefix || "value"] = value === undefined ? "" : typeof value === "string" ? value : JSON.stringify(value);
  }
  return out;
}

export function diffRows(before: unknown, after: unknown) {
  const b = before === null || before === undefined ? {} : flatten(before);
  const a = after === null || after === undefined ? {} : flatten(after);
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])].sort();
  return keys.map((k) => ({ key: k, before: b[k], after: a[k], changed: b[k] !== a[k] }));
}

export function SideBySideDiff({ before, after }: { before: unknown; after: unknown }) {
  const rows = diffRows(before, after);
  if (rows.length === 0) return <p className="text-xs text-muted-foreground">No recorded values.</p>;
  return (
    <table className="w-full table-fixed border-collapse text-xs" aria-label="Before and after">
      <thead>
        <tr className="text-left text-muted-foreground">
          <th className="w-1/4 py-1 pr-2 font-medium">Field</th>
          <th className="w-[37.5%] py-1 pr-2 font-medium">Before</th>
          <th className="w-[37.5%] py-1 font-medium">After</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.key} className="border-t align-top">
            <td className="py-1 pr-2 font-mono break-all">{r.key}</td>
            <td className={cn("py-1 pr-2 font-mono break-all", r.changed && r.before !== undefined && "bg-destructive/10 text-destructive")}>
              {r.before ?? <span className="text-muted-foreground">—</span>}
            </td>
            <td className={cn("py-1 font-mono break-all", r.changed && r.after !== undefined && "bg-success/10 text-success")}>
              {r.after ?? <span className="text-muted-foreground">—</span>}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
