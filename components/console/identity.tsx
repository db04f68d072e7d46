"use client";

import * as React from "react";
import type { ConsoleIdentity } from "./types";

const IdentityContext = React.createContext<ConsoleIdentity | null>(null);

export function IdentityProvider({ identity, children }: { identity: ConsoleIdentity; children: React.ReactNode }) {
  return <IdentityContext.Provider value={identity}>{children}</IdentityContext.Provider>;
}

/** Who is signed in, in which organisation, with which console role. */
export function useIdentity(): ConsoleIdentity {
  const v = React.useContext(IdentityContext);
  if (!v) throw new Error("useIdentity must be used inside the console layout");
  return v;
}
