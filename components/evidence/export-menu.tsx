"use client";

import { DownloadIcon } from "lucide-react";
import { Button } from "@/components/ui/button";
import { DropdownMenu, DropdownMenuContent, DropdownMenuItem, DropdownMenuLabel, DropdownMenuTrigger } from "@/components/ui/dropdown-menu";

/** Streams an evidence export as a file download (the browser handles the stream). */
export function ExportMenu({ path, from, to }: { path: string; from?: string; to?: string }) {
  const href = (format: string) => {
    const sp = new URLSearchParams({ format });
    if (from) sp.set("from", from);
    if (to) sp.set("to", to);
    return `/api/v1${path}?${sp}`;
  };
  return (
    <DropdownMenu>
      <DropdownMenuTrigger asChild>
        <Button variant="outline">
          <DownloadIcon aria-hidden /> Export
        </Button>
      </DropdownMenuTrigger>
      <DropdownMenuContent align="end">
        <DropdownMenuLabel>Signed, verifiable offline</DropdownMenuLabel>
        <DropdownMenuItem asChild>
          <a href={href("csv")} download>CSV</a>
        </DropdownMenuItem>
        <DropdownMenuItem asChild>
          <a href={href("jsonl")} download>JSON Lines</a>
        </DropdownMenuItem>
      </DropdownMenuContent>
    </DropdownMenu>
  );
}
