import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { expect, it } from "vitest";
import { REPO } from "../helpers/site.ts";

/**
 * Run in a fresh process (this one has loaded compromise through other tests): what the build
 * loads before any article needs analysing, and after one does. Required, compromise shows in
 * the CommonJS cache; imported, it would pass the resolve hook, which notes it in a file.
 */
const SCRIPT = `
import { createRequire, register } from "node:module";
import { existsSync } from "node:fs";
const noted = process.env.IMPORTS_NOTED;
register(
  "data:text/javascript," +
    encodeURIComponent(
      "import { appendFileSync } from 'node:fs';" +
        "export async function resolve(specifier, context, next) {" +
        "  if (specifier.includes('compromise')) appendFileSync(" + JSON.stringify(noted) + ", specifier + '\\\\n');" +
        "  return next(specifier, context);" +
        "}",
    ),
);
const loaded = () =>
  existsSync(noted) ||
  Object.keys(createRequire(import.meta.url).cache).some((file) => file.includes("compromise"));
await import("./src/site/build.ts");
const { analyzeCorpus, loadKnowledgeBase } = await import("./src/knowledge/index.ts");
const { loadArticles } = await import("./src/records/index.ts");
const kb = await loadKnowledgeBase("content/knowledge", ".");
const { articles } = await loadArticles("content/articles", ".");
const before = loaded();
const { analyses } = analyzeCorpus(articles, kb);
console.log(JSON.stringify({ before, after: loaded(), analysed: analyses.size }));
`;

it("loads compromise only once an article is analysed, not with the build's code or the knowledge base", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "nlp-load-"));
  try {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", "--input-type=module", "--eval", SCRIPT],
      { cwd: REPO, env: { ...process.env, IMPORTS_NOTED: path.join(dir, "imports.txt") } },
    );
    expect(JSON.parse(stdout)).toEqual({ before: false, after: true, analysed: 5 });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
