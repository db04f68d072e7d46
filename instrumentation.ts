// Runs once when the Next.js server starts: open the database and apply migrations before the first
// request, and stop the process if that is impossible (fail closed, loudly).
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { databaseHandle } = await import("./lib/db");
  const { logger } = await import("./lib/log");
  try {
    await databaseHandle();
  } catch (err) {
    logger().fatal({ err }, "cannot open or migrate the database; refusing to start");
    process.exit(1);
  }
}
