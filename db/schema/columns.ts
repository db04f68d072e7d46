// Column mixins shared by every table group.
import { timestamp, uuid } from "drizzle-orm/pg-core";

export const ts = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

export const lifecycleDates = {
  createdAt: ts("created_at").notNull().defaultNow(),
  updatedAt: ts("updated_at").notNull().defaultNow(),
};

export const id = () => uuid("id").primaryKey().defaultRandom();
