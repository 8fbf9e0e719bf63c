import path from "node:path";
import { importArticles } from "../src/ingest/index.ts";
import { generateCorpus, writeBenchProject, writeRawCorpus } from "./corpus.ts";

/**
 * `npm run bench:project -- <articles> <folder> [seed]`: the benchmark's synthetic project, imported
 * and left in place, for profiling one stage or timing rebuilds by hand
 * (`news-archive build --root <folder>/project --out <folder>/dist`).
 */

const [countArg = "", folderArg = "", seedArg = "1"] = process.argv.slice(2);
const count = Number(countArg);
if (!Number.isInteger(count) || count < 1 || folderArg === "") {
  console.error("usage: npm run bench:project -- <articles> <folder> [seed]");
  process.exit(2);
}
const folder = path.resolve(folderArg);
const corpus = generateCorpus(count, { seed: Number(seedArg) });
const raw = path.join(folder, "raw");
const root = path.join(folder, "project");
await writeRawCorpus(corpus, raw);
await writeBenchProject(corpus, root, path.resolve(import.meta.dirname, ".."));
const contentDir = path.join(root, "content", "articles");
const report = await importArticles([raw], { root, contentDir, force: false });
console.log(`${report.created.length} articles imported into ${contentDir}`);
