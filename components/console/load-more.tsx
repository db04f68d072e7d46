"use client";

import { LoaderCircleIcon } from "lucide-react";
import { Button } from "@/components/ui/button";

export function LoadMore({
  hasNextPage,
  isFetchingNextPage,
  fetchNextPage,
}: {
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  fetchNextPage: () => unknown;
}) {
  if (!hasNextPage) return null;
  return (
    <div className="flex justify-center border-t px-5 py-2">
      <Button variant="ghost" size="sm" disabled={isFetchingNextPage} onClick={() => void fetchNextPage()}>
        {isFetchingNextPage ? <LoaderCircleIcon className="animate-spin" aria-hidden /> : null}
        Load more
      </Button>
    </div>
  );
}
