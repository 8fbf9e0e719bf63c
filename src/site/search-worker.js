// A worker thread that indexes one search shard from the pages the published site holds, while
// the build's own thread plans and renders (see prepareShard in search.ts): that thread is busy
// for seconds at a time then, and Pagefind only takes pages as fast as they are handed to it.
// Plain JavaScript, without tsx's loader (and the thread that loader starts): the worker competes
// for the same two cores as the build. Its messages are typed in search-pages.d.ts.
import { once } from "node:events";
import { parentPort, workerData } from "node:worker_threads";
import * as pagefind from "pagefind";
import { addPages, createIndexWatched } from "./search-pages.js";

const port = parentPort;
if (!port) throw new Error("search-worker.js runs in a worker thread");
/** @type {import("./search-pages.d.ts").ShardWorkerData} */
const { pages } = workerData;

let stopping = false;
// The worker ends once its port is closed and Pagefind's process is gone. That process is waited
// for here: once this thread has ended, nothing would reap it, and it would stay a zombie.
const stop = async () => {
  stopping = true;
  const ended =
    child && child.exitCode === null && child.signalCode === null ? once(child, "exit") : null;
  await pagefind.close();
  await ended;
  port.close();
};
// Any failure ends the worker: the build then indexes the shard afresh itself, and reports
// whatever goes wrong there.
/** @param {unknown} reason */
const fail = async (reason) => {
  if (stopping) return;
  /** @type {import("./search-pages.d.ts").ShardWorkerAnswer} */
  const answer = { failed: String(reason) };
  port.postMessage(answer);
  await stop();
};

/** @type {(pages: readonly import("./search-pages.d.ts").ShardPage[]) => void} */
let finish = () => undefined;
/** @type {Promise<readonly import("./search-pages.d.ts").ShardPage[]>} */
const finishing = new Promise((resolve) => {
  finish = resolve;
});
port.on("message", (/** @type {import("./search-pages.d.ts").ShardWorkerRequest} */ request) => {
  if ("stop" in request) void stop();
  else finish(request.finish);
});

const { creating, child } = createIndexWatched(pagefind);
child?.once("exit", (code, signal) => void fail(`Pagefind stopped (${signal ?? code})`));

/** @param {readonly import("./search-pages.d.ts").ShardPage[]} list */
const fileOf = (list) => {
  const files = new Map(list);
  return (/** @type {string} */ page) => /** @type {string} */ (files.get(page));
};

// Once stopping, no request goes to Pagefind: the wrapper would start a process for it, which
// nothing would stop or reap.
try {
  const { index, errors } = await creating;
  if (!index) throw new Error(errors.join("; "));
  await addPages(
    index,
    pages.map(([page]) => page),
    fileOf(pages),
    () => stopping,
  );
  const again = await finishing;
  await addPages(
    index,
    again.map(([page]) => page),
    fileOf(again),
    () => stopping,
  );
  if (stopping) throw new Error("stopped");
  const bundle = await index.getFiles();
  if (bundle.errors.length > 0) throw new Error(bundle.errors.join("; "));
  /** @type {import("./search-pages.d.ts").ShardWorkerAnswer} */
  const answer = { bundle: bundle.files };
  port.postMessage(answer);
  await stop();
} catch (error) {
  await fail(error instanceof Error ? error.message : error);
}
