import { main } from "../src/cli/main.ts";
import { buildSite } from "../src/site/index.ts";

/**
 * One pipeline stage in its own process, so its peak memory is its own. Prints one JSON line.
 * Usage: stage.ts import <raw dir> | stage.ts build <root> <out>
 */
const [stage, a = "", b = ""] = process.argv.slice(2);
const started = performance.now();
let result: Record<string, unknown> = {};
if (stage === "import") {
  const code = await main(["import", a], process.cwd());
  result = { code };
} else if (stage === "build") {
  const summary = await buildSite({ root: a, outDir: b, quiet: true });
  result = { ...summary };
}
const { maxRSS } = process.resourceUsage();
console.log(
  `BENCH ${JSON.stringify({ stage, ms: Math.round(performance.now() - started), peakMb: Math.round(maxRSS / 1024), ...result })}`,
);
