import { afterEach, describe, expect, it, vi } from "vitest";
import { stderrProgress } from "../../src/site/progress.ts";

describe("progress of long stages", () => {
  afterEach(() => vi.restoreAllMocks());

  it("reports done/total, rate and time left every few seconds, and nothing for small archives", () => {
    let now = 0;
    vi.spyOn(performance, "now").mockImplementation(() => now);
    const lines: string[] = [];
    vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    const report = stderrProgress()("extract (names)");
    for (let done = 1; done <= 1000; done += 1) {
      now = done * 10;
      report(done, 1000);
    }
    expect(lines[0]).toBe("  extract (names): 300/1000 (100/s, about 7 s left)\n");
    expect(lines).toHaveLength(3);
    const small = stderrProgress()("parse");
    now = 100_000;
    small(50, 100);
    expect(lines).toHaveLength(3);
  });
});
