#!/usr/bin/env -S node --max-semi-space-size=32
// A young generation twice V8's default: rendering makes many short-lived objects, and with the
// default too many survive into the old generation, where collecting them cost a fifth of the
// render time at 10,000 articles (README, "Scaling"). `npm run build` passes the same flag.
// The sources are TypeScript run in place: tsx's loader is registered before the CLI is imported,
// so the same code serves `npm run build`, the bin, Eleventy's `.eleventy.ts` and the tests.
import { fileURLToPath } from "node:url";

// tsx looks for tsconfig.json from the current folder; pin it to this package's, so templates
// compile for preact's JSX runtime wherever the command is run (children inherit the setting).
process.env.TSX_TSCONFIG_PATH ??= fileURLToPath(new URL("../tsconfig.json", import.meta.url));
// Before tsx's loader, so the libraries skip it (see src/libraries.js).
const { preloadLibraries } = await import("../src/libraries.js");
await preloadLibraries("command");
const { register } = await import("tsx/esm/api");
register();
const { main } = await import("../src/cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
