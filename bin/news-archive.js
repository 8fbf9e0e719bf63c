#!/usr/bin/env node
// The sources are TypeScript run in place: tsx's loader is registered before the CLI is imported,
// so the same code serves `npm run build`, the bin, Eleventy's `.eleventy.ts` and the tests.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
