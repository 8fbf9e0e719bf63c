import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { startDevServer } from "../src/site/dev.ts";

/** One saved edit under `npm start`, in milliseconds from the save. */
export interface ServeEdit {
  /** Until the edited article's open page is told to reload (its page is written first). */
  editedMs: number;
  /** Until every other open page is. */
  everyMs: number;
  /** Until the build ended, search index published. */
  endMs: number;
  ok: boolean;
  error: string;
  /** The stage timings the builder printed for this build ("config … ms, …"). */
  stages: string;
}

export interface ServeTiming {
  firstBuildMs: number;
  firstOk: boolean;
  firstError: string;
  edits: ServeEdit[];
}

/**
 * `npm start` on a built project (`root` built into `outDir`), timed as an editor meets it: the
 * server starts, and some seconds later (`readyMs`: an editor opens a page first, while a builder
 * that found nothing to build gets ready) the middle article gains a sentence, `edits` times,
 * each after the previous build ended. Times run from the save, so the watcher's notice and the
 * quiet time before a build count. The article is put back as it was at the end.
 */
export async function timeServeEdits(
  root: string,
  outDir: string,
  edits: number,
  readyMs = 5000,
): Promise<ServeTiming> {
  const articles = path.join(root, "content", "articles");
  const files = (await readdir(articles)).filter((f) => f.endsWith(".md")).sort();
  const target = path.join(articles, files[Math.floor(files.length / 2)] ?? "");
  const original = await readFile(target, "utf8");
  let output = "";
  const lastStages = () => [...output.matchAll(/^ {2}(config \d+ ms.*)$/gm)].at(-1)?.[1] ?? "";
  const started = performance.now();
  const server = await startDevServer({
    root,
    outDir,
    port: 0,
    log: (text) => {
      output += text;
    },
  });
  const timing: ServeTiming = {
    firstBuildMs: Math.round(performance.now() - started),
    firstOk: server.first.ok,
    firstError: server.first.error,
    edits: [],
  };
  /**
   * Listens as a browser would: `edited` settles when the server tells the edited article's page
   * to reload, `every` when it tells every other page to.
   */
  const listenForReload = async () => {
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
        for (const [, data] of received.matchAll(/^event: reload\ndata: (.*)$/gm)) {
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
  };
  await new Promise((resolve) => setTimeout(resolve, readyMs));
  try {
    for (let edit = 1; edit <= edits; edit += 1) {
      const built = server.nextBuild();
      const { edited, every } = await listenForReload();
      const saved = performance.now();
      await writeFile(target, `${original}\nThe correspondent added sentence number ${edit}.\n`);
      const since = (at: number) => Math.round(at - saved);
      const editedMs = since(await edited);
      const everyMs = since(await every);
      const build = await built;
      timing.edits.push({
        editedMs,
        everyMs,
        endMs: since(performance.now()),
        ok: build.ok,
        error: build.error,
        stages: lastStages(),
      });
    }
  } finally {
    await writeFile(target, original);
    await server.close();
  }
  return timing;
}
