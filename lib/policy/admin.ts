// Glue for the admin API routes: the change context (actor + request) every store call records.
import type { AdminContext } from "../identity/admin-auth";
import type { ChangeContext } from "./index";

export const changeContext = (ctx: AdminContext): ChangeContext => ({ actor: ctx.actor, meta: ctx.meta });
