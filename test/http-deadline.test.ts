// deadline(): the caller's signal or a timer, whichever comes first; release() stops both.
import { describe, expect, it } from "vitest";
import { deadline } from "@/lib/http/deadline";

describe("deadline", () => {
  it("aborts with a TimeoutError once the time is up", async () => {
    const d = deadline(20);
    await new Promise((r) => setTimeout(r, 60));
    expect(d.signal.aborted).toBe(true);
    expect((d.signal.reason as DOMException).name).toBe("TimeoutError");
  });

  it("follows the caller's signal, also one already aborted", () => {
    const parent = new AbortController();
    const d = deadline(10_000, parent.signal);
    parent.abort(new Error("client went away"));
    expect(d.signal.aborted).toBe(true);
    expect((d.signal.reason as Error).message).toBe("client went away");
    d.release();
    const early = deadline(10_000, AbortSignal.abort("gone"));
    expect(early.signal.aborted).toBe(true);
  });

  it("after release neither the timer nor the caller's signal aborts it", async () => {
    const parent = new AbortController();
    const d = deadline(20, parent.signal);
    d.release();
    parent.abort();
    await new Promise((r) => setTimeout(r, 60));
    expect(d.signal.aborted).toBe(false);
  });
});
