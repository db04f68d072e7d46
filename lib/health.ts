// Readiness: the database answers a query and every migration has been applied.
import { sql } from "drizzle-orm";
import { getDb, migrationsApplied } from "./db";
import { logger } from "./log";

export async function checkReadiness(): Promise<{ status: "ready" | "not_ready"; database: "ok" | "unavailable" }> {
  try {
    const db = await getDb();
    await db.execute(sql`select 1`);
    return { status: migrationsApplied() ? "ready" : "not_ready", database: "ok" };
  } catch (err) {
    logger().warn({ err }, "readiness check failed");
    return { status: "not_ready", database: "unavailable" };
  }
}
