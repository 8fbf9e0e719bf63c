import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { startDevServer } from "../src/site/dev.ts";

/**
 * `npm run bench:serve -- <folder> [edits]`: how long `npm start` takes from a saved edit to the
 * edited article's open page reloading, to every other open page reloading, and to the end of
 * the build (search index published), on a project left by
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
 * Listens as a browser would: `edited` settles when the server tells the edited article's page to
 * reload (its page is written first), `every` when it tells every other page to.
 */
async function listenForReload(): Promise<{ edited: Promise<number>; every: Promise<number> }> {
  const response = await fetch(new URL("/__news-archive/events", server.url));
  const reader = response.body?.getReader();
  if (!reader) throw new Error("no event stream");
  const decoder = new TextDecoder();
  let received = "";
  let editedAt: number | null = null;
  let resolveEdited: (at: number) => void = () => {};
  const edited = new Promise<number>((resolve) => {
    resolveEdited = resolve;
  });
  const every = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error("the event stream ended");
      received += decoder.decode(value, { stream: true });
      const reloads = [...received.matchAll(/^event: reload\ndata: (.*)$/gm)];
      for (const [, data] of reloads) {
        const scope = JSON.parse(data ?? "{}") as { only?: string[] };
        if (scope.only && editedAt === null) {
          editedAt = performance.now();
          resolveEdited(editedAt);
        } else if (!scope.only) {
          const at = performance.now();
          // Without a page written first, the edited page reloads with the others.
          if (editedAt === null) resolveEdited(at);
          await reader.cancel();
          return at;
        }
      }
    }
  })();
  return { edited, every };
}

// An editor's first save comes some seconds after the server started: by then a builder that
// found nothing to build has read the article cache into memory (see prepareNextBuild).
await new Promise((resolve) => setTimeout(resolve, 5000));
try {
  for (let edit = 1; edit <= edits; edit += 1) {
    const built = server.nextBuild();
    const { edited, every } = await listenForReload();
    const saved = performance.now();
    await writeFile(target, `${original}\nThe correspondent added sentence number ${edit}.\n`);
    // From the save, so the watcher's notice and the quiet time before a build are included.
    const since = (at = performance.now()) => ((at - saved) / 1000).toFixed(2);
    const toEdited = since(await edited);
    const toEvery = since(await every);
    const build = await built;
    console.log(
      `edit ${edit}: ${toEdited} s from save to the edited page's reload, ${toEvery} s to every page's, ${since()} s to the build's end, search included (${build.ok ? "ok" : build.error})`,
    );
    console.log(`  ${lastStages()}`);
  }
} finally {
  await writeFile(target, original);
  await server.close();
}
