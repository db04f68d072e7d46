"use client";

import * as React from "react";
import { useIdentity } from "@/components/console/identity";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { CopyButton } from "@/components/ui/copy-button";

function useOrigin(): string {
  const [origin, setOrigin] = React.useState("https://fortress.example.com");
  React.useEffect(() => setOrigin(window.location.origin), []);
  return origin;
}

function Snippet({ title, hint, code }: { title: string; hint: string; code: string }) {
  return (
    <div className="grid min-w-0 content-start gap-2">
      <div className="flex items-center justify-between gap-2">
        <div className="grid gap-0.5">
          <h3 className="text-sm font-medium">{title}</h3>
          <p className="text-xs text-muted-foreground">{hint}</p>
        </div>
        <CopyButton value={code} size="sm" variant="ghost" label="Copy" aria-label={`Copy ${title} example`} />
      </div>
      <pre className="overflow-x-auto rounded-md border bg-muted/50 px-3 py-2.5 text-[12.5px] leading-relaxed">
        <code>{code}</code>
      </pre>
    </div>
  );
}

export function HowToUse() {
  const { org } = useIdentity();
  const origin = useOrigin();
  const mcp = org.products.includes("MCP");
  const pat = org.products.includes("PAT");
  if (!mcp && !pat) return null;
  return (
    <Card>
      <CardHeader>
        <CardTitle>How to use a key</CardTitle>
        <CardDescription>Requests made with a key act as its owner and are recorded in the audit trail.</CardDescription>
      </CardHeader>
      <CardContent className="grid grid-cols-1 gap-6 md:grid-cols-2">
        {mcp ? (
          <Snippet
            title="MCP clients"
            hint="Point any Streamable HTTP MCP client at this endpoint and send the key in the x-api-key header."
            code={`{
  "mcpServers": {
    "fortress": {
      "type": "http",
      "url": "${origin}/v1/mcp",
      "headers": { "x-api-key": "fk_live_…" }
    }
  }
}`}
          />
        ) : null}
        {pat ? (
          <Snippet
            title="Anthropic SDK"
            hint="Point the official SDK at this Fortress instead of api.anthropic.com."
            code={`import Anthropic from "@anthropic-ai/sdk";

const client = new Anthropic({
  apiKey: process.env.FORTRESS_API_KEY, // fk_live_…
  baseURL: "${origin}",
});`}
          />
        ) : null}
      </CardContent>
    </Card>
  );
}
