import { LockIcon } from "lucide-react";
import { Card, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";

export function NoAccess({ what }: { what: string }) {
  return (
    <Card className="items-center py-12 text-center">
      <LockIcon className="size-5 text-muted-foreground" aria-hidden />
      <CardHeader className="justify-items-center">
        <CardTitle>{what} are visible to owners, admins and auditors</CardTitle>
        <CardDescription>Ask an owner or admin of your organisation if you need access.</CardDescription>
      </CardHeader>
    </Card>
  );
}
