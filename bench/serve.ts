import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { startDevServer } from "../src/site/dev.ts";

/**
 * `npm run bench:serve -- <folder> [edits]`: how long `npm start` takes from a saved edit to a
 * site ready to reload, on a project left by `npm run bench:project` (<folder>/project, built
 * into <folder>/dist). One article gains a sentence, `edits` times in turn (default 3), each time
 * after the previous build finished; the article is put back as it was at the end.
 */

const [folderArg = "", editsArg = "3"] = process.argv.slice(2);
const edits = Number(editsArg);
if (folderArg === "" || !Number.isInteger(edits) || edits < 1) {
  console.error("usage: npm run bench:serve -- <folder> [edits]");
  process.exit(2);
}
const root = path.join(path.resolve(folderArg), "project");
const articles = path.join(root, "content", "articles");
const files = (await readdir(articles)).filter((f) => f.endsWith(".md")).sort();
const target = path.join(articles, files[Math.floor(files.length / 2)] ?? "");
const original = await readFile(target, "utf8");

let output = "";
/** The stage timings the builder printed last ("config … ms, knowledge … ms, …"). */
const lastStages = () => [...output.matchAll(/^ {2}(config \d+ ms.*)$/gm)].at(-1)?.[1] ?? "";
const firstStarted = performance.now();
const server = await startDevServer({
  root,
  outDir: path.join(path.resolve(folderArg), "dist"),
  port: 0,
  log: (text) => {
    output += text;
  },
});
console.log(
  `first build: ${((performance.now() - firstStarted) / 1000).toFixed(1)} s (${server.first.ok ? "ok" : server.first.error})`,
);
try {
  for (let edit = 1; edit <= edits; edit += 1) {
    const built = server.nextBuild();
    const saved = performance.now();
    await writeFile(target, `${original}\nThe correspondent added sentence number ${edit}.\n`);
    const build = await built;
    // From the save, so the watcher's notice and the quiet time before a build are included.
    const seconds = ((performance.now() - saved) / 1000).toFixed(2);
    console.log(
      `edit ${edit}: ${seconds} s from save to reload (${build.ok ? "ok" : build.error})`,
    );
    console.log(`  ${lastStages()}`);
  }
} finally {
  await writeFile(target, original);
  await server.close();
}
