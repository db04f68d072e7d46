"use client";

import * as React from "react";
import { Toast as ToastPrimitive } from "radix-ui";
import { CircleAlertIcon, CircleCheckIcon, XIcon } from "lucide-react";
import { cn } from "./cn";

type ToastVariant = "success" | "error";
interface ToastItem {
  id: number;
  title: string;
  description?: string;
  variant: ToastVariant;
}
type Notify = (t: { title: string; description?: string; variant?: ToastVariant }) => void;

const ToastContext = React.createContext<Notify>(() => {});

/** Short confirmations of finished actions ("API key revoked") and failures of row actions. */
export function useToast(): Notify {
  return React.useContext(ToastContext);
}

export function Toaster({ children }: { children: React.ReactNode }) {
  const [items, setItems] = React.useState<ToastItem[]>([]);
  const next = React.useRef(0);
  const notify = React.useCallback<Notify>(({ title, description, variant = "success" }) => {
    const id = ++next.current;
    setItems((all) => [...all.slice(-3), { id, title, description, variant }]);
  }, []);
  const remove = (id: number) => setItems((all) => all.filter((t) => t.id !== id));

  return (
    <ToastContext.Provider value={notify}>
      <ToastPrimitive.Provider swipeDirection="right" duration={5000}>
        {children}
        {items.map((t) => (
          <ToastPrimitive.Root
            key={t.id}
            type={t.variant === "error" ? "foreground" : "background"}
            duration={t.variant === "error" ? 8000 : 4000}
            onOpenChange={(open) => {
              if (!open) remove(t.id);
            }}
            className={cn(
              "group pointer-events-auto relative flex w-full items-start gap-3 rounded-lg border bg-popover p-3 pr-8 text-sm text-popover-foreground shadow-lg",
              "data-[state=open]:animate-in data-[state=open]:slide-in-from-bottom-2 data-[state=open]:fade-in-0 data-[state=closed]:animate-out data-[state=closed]:fade-out-0",
              "data-[swipe=move]:translate-x-(--radix-toast-swipe-move-x) data-[swipe=end]:animate-out",
              t.variant === "error" && "border-destructive/40",
            )}
          >
            {t.variant === "error" ? (
              <CircleAlertIcon className="mt-0.5 size-4 shrink-0 text-destructive" aria-hidden />
            ) : (
              <CircleCheckIcon className="mt-0.5 size-4 shrink-0 text-success" aria-hidden />
            )}
            <div className="grid gap-0.5">
              <ToastPrimitive.Title className="font-medium">{t.title}</ToastPrimitive.Title>
              {t.description ? (
                <ToastPrimitive.Description className="text-muted-foreground">{t.description}</ToastPrimitive.Description>
              ) : null}
            </div>
            <ToastPrimitive.Close
              className="absolute top-2.5 right-2.5 rounded-sm p-0.5 text-muted-foreground outline-none hover:text-foreground focus-visible:ring-[3px] focus-visible:ring-ring/50"
              aria-label="Dismiss"
            >
              <XIcon className="size-3.5" />
            </ToastPrimitive.Close>
          </ToastPrimitive.Root>
        ))}
        <ToastPrimitive.Viewport className="fixed right-0 bottom-0 z-[100] flex max-h-screen w-full flex-col gap-2 p-4 outline-none sm:max-w-sm" />
      </ToastPrimitive.Provider>
    </ToastContext.Provider>
  );
}
