import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { startDevServer } from "../src/site/dev.ts";

/**
 * `npm run bench:serve -- <folder> [edits]`: how long `npm start` takes from a saved edit to open
 * pages reloading, and to the end of the build (search index published), on a project left by
 * `npm run bench:project` (<folder>/project, built into <folder>/dist). One article gains a
 * sentence, `edits` times in turn (default 3), each time after the previous build finished; the
 * article is put back as it was at the end.
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
/**
 * Listens as a browser would; `reloaded` settles when the server next tells open pages to reload.
 */
async function listenForReload(): Promise<{ reloaded: Promise<void> }> {
  const response = await fetch(new URL("/__news-archive/events", server.url));
  const reader = response.body?.getReader();
  if (!reader) throw new Error("no event stream");
  const decoder = new TextDecoder();
  let received = "";
  const reloaded = (async () => {
    while (!received.includes("event: reload\n")) {
      const { value, done } = await reader.read();
      if (done) throw new Error("the event stream ended");
      received += decoder.decode(value, { stream: true });
    }
    await reader.cancel();
  })();
  return { reloaded };
}

try {
  for (let edit = 1; edit <= edits; edit += 1) {
    const built = server.nextBuild();
    const { reloaded } = await listenForReload();
    const saved = performance.now();
    await writeFile(target, `${original}\nThe correspondent added sentence number ${edit}.\n`);
    // From the save, so the watcher's notice and the quiet time before a build are included.
    const since = () => ((performance.now() - saved) / 1000).toFixed(2);
    await reloaded;
    const toReload = since();
    const build = await built;
    console.log(
      `edit ${edit}: ${toReload} s from save to reload, ${since()} s to the build's end, search included (${build.ok ? "ok" : build.error})`,
    );
    console.log(`  ${lastStages()}`);
  }
} finally {
  await writeFile(target, original);
  await server.close();
}
