import * as React from "react";
import { cn } from "@/components/ui/cn";

/** Title, one sentence of what this screen is for, and its primary actions. */
export function PageHeader({
  title,
  description,
  actions,
  level = 1,
  className,
}: {
  title: string;
  description?: React.ReactNode;
  actions?: React.ReactNode;
  level?: 1 | 2;
  className?: string;
}) {
  const Heading = level === 1 ? "h1" : "h2";
  return (
    <div className={cn("flex flex-col gap-3 sm:flex-row sm:items-end sm:justify-between", className)}>
      <div className="grid gap-1">
        <Heading className={cn("font-semibold tracking-tight", level === 1 ? "text-2xl" : "text-lg")}>{title}</Heading>
        {description ? <p className="max-w-2xl text-sm text-muted-foreground">{description}</p> : null}
      </div>
      {actions ? <div className="flex shrink-0 items-center gap-2">{actions}</div> : null}
    </div>
  );
}
