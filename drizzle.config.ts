import { defineConfig } from "drizzle-kit";

// Migrations are generated from the schema in db/schema and applied at start (see db/migrate.ts).
export default defineConfig({
  dialect: "postgresql",
  schema: "./db/schema/index.ts",
  out: "./drizzle",
  // saml-jackson (SSO, a later issue) keeps its own tables; drizzle must never touch them.
  tablesFilter: ["!jackson_*"],
});
