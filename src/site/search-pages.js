// Plain JavaScript: shared by the build and the worker thread that indexes a shard ahead
// (search-worker.js), which runs without tsx's loader. Typed by search-pages.d.ts.
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { readFile } from "node:fs/promises";

/**
 * A new index of the instance, and the Pagefind process the wrapper started for it if it had
 * none: the wrapper does not watch its process, and a request to one that ended would wait
 * forever, so the caller watches it. The wrapper starts its process synchronously within
 * createIndex, which is when the `child_process` channel tells of it.
 *
 * @param {typeof import("pagefind")} instance
 * @returns {{ creating: Promise<import("pagefind").NewIndexResponse>, child: import("node:child_process").ChildProcess | undefined }}
 */
export function createIndexWatched(instance) {
  /** @type {import("node:child_process").ChildProcess | undefined} */
  let child;
  const spawned = (/** @type {unknown} */ message) => {
    child ??= /** @type {{ process: import("node:child_process").ChildProcess }} */ (message)
      .process;
  };
  subscribe("child_process", spawned);
  try {
    return { creating: instance.createIndex({}), child };
  } finally {
    unsubscribe("child_process", spawned);
  }
}

/**
 * Pages sent to a Pagefind process ahead of its answers: enough to keep it busy, few enough that
 * the pages waiting in its pipe stay a few megabytes.
 */
const PAGES_IN_FLIGHT = 32;

/**
 * Adds a shard's pages one message each, in the order given. Pagefind numbers pages in the order
 * it takes them, and those numbers are in its index files; reading a folder, it takes them in the
 * order the file system lists them, which differs between file systems and machines (ext4 by a
 * hash seeded per file system, tmpfs and btrfs by creation), so the same site gave different
 * index files. A process handles its messages one at a time, in the order sent.
 *
 * `stopped`, when it says so, ends the adding before the next page: once its process is closed,
 * the wrapper would start another for the next request.
 *
 * @param {import("pagefind").PagefindIndex} shard
 * @param {readonly string[]} files
 * @param {(file: string) => string} pageAt
 * @param {() => boolean} [stopped]
 * @returns {Promise<void>}
 */
export async function addPages(shard, files, pageAt, stopped = () => false) {
  /** @type {Promise<import("pagefind").NewFileResponse>[]} */
  const inFlight = [];
  /** @type {string[]} */
  const errors = [];
  const settleOldest = async () => {
    const answer = await inFlight.shift();
    if (answer) errors.push(...answer.errors);
  };
  for (const file of files) {
    const content = await readFile(pageAt(file), "utf8");
    if (stopped()) throw new Error("stopped");
    const answer = shard.addHTMLFile({ sourcePath: file, content });
    // Should the process fail, every answer still waited for fails with it: the first is thrown
    // below, and the rest must not end the build as unhandled rejections.
    answer.catch(() => undefined);
    inFlight.push(answer);
    if (inFlight.length >= PAGES_IN_FLIGHT) await settleOldest();
  }
  while (inFlight.length > 0) await settleOldest();
  if (errors.length > 0) throw new Error(`Pagefind: ${errors.join("; ")}`);
}
