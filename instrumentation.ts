// Next.js calls register() once when the server starts; the work lives in lib/startup.ts.
export async function register() {
  if (process.env.NEXT_RUNTIME === "nodejs") await (await import("./lib/startup")).start();
}
