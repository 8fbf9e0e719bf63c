import type { ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { once } from "node:events";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { setTimeout } from "node:timers/promises";
import { Worker } from "node:worker_threads";
import type * as pagefind from "pagefind";
import { eachLimited, sameItems } from "../archive/index.ts";
import { fileHolds } from "./reuse.ts";
import type {
  BundleFile,
  ShardPage,
  ShardWorkerAnswer,
  ShardWorkerData,
  ShardWorkerRequest,
} from "./search-pages.js";
import { addPages, createIndexWatched } from "./search-pages.js";

/**
 * Full-text search with Pagefind, whose npm package ships its own binary: the index is built over
 * the finished pages, so search sees exactly what readers see. A large archive gets several
 * indexes ("shards") that the search page merges with Pagefind's mergeIndex: Pagefind holds an
 * index's pages in memory while building it, so shards bound its memory, and a rebuild after an
 * edit re-indexes only the shard holding the edited page.
 */

/**
 * Shards for this many indexed pages, at most `perShard` each (site.yaml searchShardPages): a
 * power of two, so growth re-deals pages among shards rarely.
 */
export function shardCount(indexedPages: number, perShard: number): number {
  let count = 1;
  while (count * perShard < indexedPages) count *= 2;
  return count;
}

/** A page's shard follows from its file name alone, so it stays put as the archive grows. */
export function shardOf(file: string, count: number): number {
  if (count === 1) return 0;
  return createHash("sha256").update(file).digest().readUInt32BE(0) % count;
}

/** Folder of a shard in the site: the first is Pagefind's usual `pagefind/`. */
export function shardFolder(index: number): string {
  return index === 0 ? "pagefind" : `pagefind-shards/${index}`;
}

function countedPages(entryJson: Uint8Array): number {
  const entry = JSON.parse(Buffer.from(entryJson).toString("utf8")) as {
    languages: Record<string, { page_count: number }>;
  };
  return Object.values(entry.languages).reduce((sum, l) => sum + l.page_count, 0);
}

/** Shards indexed side by side, each by a Pagefind process of its own (see `buildSearchShards`). */
const SHARDS_AT_ONCE = 2;

/**
 * The site the new files will be merged into: a shard's file it already holds with the same
 * bytes is not written, but listed in `kept` (relative to the site).
 */
export interface PublishedSite {
  dir: string;
  kept: string[];
  /**
   * Whether a page was written anew rather than kept from the published site: given, a shard
   * prepared from the published site's pages (see prepareShard) serves the shard's job.
   */
  rewritten?: (file: string) => boolean;
  /** Set to the shard the prepared one served, if any. */
  fromPrepared?: number;
}

/** Where the shards go. */
interface ShardOutput {
  siteDir: string;
  published: PublishedSite | null;
}

/** Builds an added shard's bundle into the site: the memory-hungry part of indexing. */
async function writeShard(
  shard: pagefind.PagefindIndex,
  output: ShardOutput,
  index: number,
): Promise<number> {
  const { published } = output;
  if (!published) {
    // Nothing to compare with: Pagefind writes the bundle itself.
    const bundle = path.join(output.siteDir, shardFolder(index));
    const written = await shard.writeFiles({ outputPath: bundle });
    if (written.errors.length > 0) throw new Error(`Pagefind: ${written.errors.join("; ")}`);
    return countedPages(await readFile(path.join(bundle, "pagefind-entry.json")));
  }
  // Taken from Pagefind rather than written by it: of a re-indexed shard's ~1,700 files, an edit
  // changes a handful, and writing the rest again (new files, the old ones deleted) is what slowed
  // this disk's file creation build after build (see README, "Scaling").
  const bundle = await shard.getFiles();
  if (bundle.errors.length > 0) throw new Error(`Pagefind: ${bundle.errors.join("; ")}`);
  return writeBundle(bundle.files, output.siteDir, published, index);
}

/**
 * Writes a shard's bundle into the site, but for the files the published site already holds with
 * the same bytes, which are listed in `published.kept`. Returns how many pages the shard indexed.
 */
async function writeBundle(
  files: readonly BundleFile[],
  siteDir: string,
  published: PublishedSite,
  index: number,
): Promise<number> {
  const shardDir = shardFolder(index);
  let entry: Uint8Array | null = null;
  await eachLimited(files, WRITE_CONCURRENCY, async ({ path: file, content }) => {
    if (file === "pagefind-entry.json") entry = content;
    const relative = `${shardDir}/${file}`;
    if (await fileHolds(path.join(published.dir, relative), content)) {
      published.kept.push(relative);
      return;
    }
    const target = path.join(siteDir, relative);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, content);
  });
  if (!entry) throw new Error("Pagefind wrote no pagefind-entry.json");
  return countedPages(entry);
}

const WRITE_CONCURRENCY = 64;

/** A build's search index could not be made because a Pagefind process ended halfway. */
export class SearchIndexerStopped extends Error {}

/** A Pagefind process being watched, and how it ended if it ended unasked. */
interface Watch {
  child: ChildProcess;
  stopped: string | null;
}

/**
 * Pagefind's npm wrapper does not watch the process it starts: should the process end (killed for
 * lack of memory, crashed) while a request waits for its answer and nothing more is written to it,
 * the request never settles, and the build hangs (`serve`'s builder) or Node quits it halfway with
 * exit code 13. Each process is watched here instead, by module instance: its unasked end fails
 * every request still waiting on it.
 */
const watches = new WeakMap<typeof pagefind, Watch>();

function watch(instance: typeof pagefind, child: ChildProcess): void {
  const watching: Watch = { child, stopped: null };
  watches.set(instance, watching);
  child.once("exit", (code, signal) => {
    // Stopped on purpose (see stopPagefind), or an older process of the same instance.
    if (watches.get(instance) !== watching) return;
    watching.stopped = signal ? `killed by ${signal}` : `exited with code ${code}`;
    if (openShard?.pagefind === instance) openShard = null;
    // The wrapper fails the requests it still waits on, and starts a new process when next asked.
    void instance.close();
  });
}

/** Stops the instance's process, if it runs, as asked: its end is not a failure. */
async function stopPagefind(instance: typeof pagefind): Promise<void> {
  watches.delete(instance);
  await instance.close();
}

/**
 * `error` as the build reports it: when the instance's process ended unasked, that is what went
 * wrong, whatever the wrapper made of it.
 */
async function indexingError(
  instance: typeof pagefind,
  shardIndex: number,
  error: unknown,
): Promise<unknown> {
  const watching = watches.get(instance);
  const { child } = watching ?? {};
  if (child && child.exitCode === null && child.signalCode === null && child.stdin?.destroyed) {
    // The wrapper gave up on its process (a write to it failed) before Node saw the process end,
    // which tells why: moments away.
    // The timer does not hold the process: an error reported at once must not wait it out.
    await Promise.race([
      once(child, "exit"),
      setTimeout(EXIT_NOTICE_MS, undefined, { ref: false }),
    ]);
  }
  const stopped = watching?.stopped;
  if (!stopped) return error;
  return new SearchIndexerStopped(
    `Pagefind, which builds the search index, stopped (${stopped}) while indexing search shard ` +
      `${shardIndex}; if the system ran out of memory, lower searchShardPages in site.yaml. ` +
      "The previous site is left as it was.",
  );
}

const EXIT_NOTICE_MS = 2000;

/** A new index in the instance's Pagefind process (started if need be, and watched). */
async function newIndex(instance: typeof pagefind): Promise<pagefind.PagefindIndex> {
  const { creating, child } = createIndexWatched(instance);
  if (child) watch(instance, child);
  const created = await creating;
  if (!created.index) throw new Error(`Pagefind could not start: ${created.errors.join("; ")}`);
  return created.index;
}

/** A new index in the instance's Pagefind process, holding the given pages. */
async function indexedPages(
  instance: typeof pagefind,
  files: readonly string[],
  pageAt: (file: string) => string,
): Promise<pagefind.PagefindIndex> {
  const shard = await newIndex(instance);
  await addPages(shard, files, pageAt);
  return shard;
}

/** A shard to index: its number and its pages, in the order Pagefind is to number them. */
export interface ShardJob {
  index: number;
  files: readonly string[];
  /**
   * Per page, in the same order, a hash of what search indexes of it: given, a shard kept open
   * (see KeepOpen) takes again only the pages whose hash changed.
   */
  digests?: readonly string[];
}

/**
 * For a process that builds again and again (`serve`'s builder): a build that indexes a single
 * shard leaves its Pagefind index open, under `site`, and the next build that indexes the same
 * shard of the same pages hands it only the pages whose indexed text changed, instead of all of
 * them again (at 10,000 articles, 8 ms instead of ~2.5 s for 1,579 pages). Pagefind replaces a
 * page it is given again in the place the page had, so the files are those of a fresh index of
 * the same pages. `updated` receives the shards indexed so.
 */
export interface KeepOpen {
  site: string;
  updated: number[];
}

interface OpenShard {
  site: string;
  index: number;
  files: readonly string[];
  digests: readonly string[];
  pagefind: typeof pagefind;
  shard: pagefind.PagefindIndex;
}

let openShard: OpenShard | null = null;

/** Stops the Pagefind process of the shard kept open, if any, and with it that shard's memory. */
export async function closeOpenShard(): Promise<void> {
  const open = openShard;
  openShard = null;
  if (open) await stopPagefind(open.pagefind);
}

/** Indexes one shard in the shard kept open when it holds the same pages, else in a new one. */
async function indexOpenShard(
  open: KeepOpen,
  job: ShardJob & { digests: readonly string[] },
  output: ShardOutput,
  pageAt: (file: string) => string,
): Promise<number> {
  const kept = openShard;
  if (kept?.site === open.site && kept.index === job.index && sameItems(kept.files, job.files)) {
    openShard = null;
    try {
      const changed = job.files.filter((_, i) => kept.digests[i] !== job.digests[i]);
      await addPages(kept.shard, changed, pageAt);
      const pages = await writeShard(kept.shard, output, job.index);
      openShard = { ...kept, digests: job.digests };
      open.updated.push(job.index);
      return pages;
    } catch {
      // A Pagefind process that failed or went away: the shard is indexed afresh below.
      await stopPagefind(kept.pagefind);
    }
  }
  await closeOpenShard();
  const instance = await pagefindInstance("open");
  try {
    const shard = await indexedPages(instance, job.files, pageAt);
    const pages = await writeShard(shard, output, job.index);
    openShard = {
      site: open.site,
      index: job.index,
      files: job.files,
      digests: job.digests,
      pagefind: instance,
      shard,
    };
    return pages;
  } catch (error) {
    const reported = await indexingError(instance, job.index, error);
    await stopPagefind(instance);
    throw reported;
  }
}

/**
 * A shard being indexed ahead of the search stage, in a worker thread (search-worker.js), from
 * the pages the published site in `site` holds: when the build's plan has the same pages in that
 * shard, only those it wrote again are given to Pagefind once more, and Pagefind, which replaces
 * a page it is given again in the place the page had, makes the files a fresh index of the new
 * pages makes (as for a shard kept open, see KeepOpen).
 */
interface PreparedShard {
  site: string;
  index: number;
  files: readonly string[];
  worker: Worker;
  /** The worker's one answer, or null when it ended without one. */
  answer: Promise<ShardWorkerAnswer | null>;
  exited: Promise<void>;
}

let preparedShard: PreparedShard | null = null;

/**
 * Starts indexing shard `index`, made of `files` (in the order Pagefind is to number them), from
 * the published site in `site`; replaces a shard prepared before.
 */
export async function prepareShard(
  site: string,
  index: number,
  files: readonly string[],
): Promise<void> {
  await dropPreparedShard();
  const data: ShardWorkerData = { pages: files.map((file) => [file, path.join(site, file)]) };
  const worker = new Worker(new URL("./search-worker.js", import.meta.url), { workerData: data });
  const answer = new Promise<ShardWorkerAnswer | null>((resolve) => {
    worker.once("message", resolve);
    worker.once("error", () => resolve(null));
    worker.once("exit", () => resolve(null));
  });
  const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
  preparedShard = { site, index, files, worker, answer, exited };
}

/** Stops the prepared shard's worker, if any, and with it its Pagefind process. */
export async function dropPreparedShard(): Promise<void> {
  const prepared = preparedShard;
  preparedShard = null;
  if (!prepared) return;
  const request: ShardWorkerRequest = { stop: true };
  prepared.worker.postMessage(request);
  await ended(prepared);
}

/** Waits for the worker to end, as it does once it has answered or was asked to stop. */
async function ended(prepared: PreparedShard): Promise<void> {
  // A worker that does not end in time is ended. Ended so, it cannot reap its Pagefind process
  // (which quits once its input closes), and a zombie stays until the build's process ends: the
  // wait is long, since a worker asked to stop as it starts must first load its code: on this
  // VM's two vCPUs, ~0.5 s with three other busy processes, 2.1–2.4 s with twelve.
  const timer = setTimeout(STOP_WAIT_MS, "late", { ref: false });
  if ((await Promise.race([prepared.exited, timer])) === "late") await prepared.worker.terminate();
}

const STOP_WAIT_MS = 20_000;

/**
 * The bundle of the prepared shard when it is `job`'s shard of the site in `site`, after giving it
 * again the pages `rewritten` names; null when it is not, or its worker failed.
 */
async function preparedBundle(
  site: string,
  job: ShardJob,
  rewritten: (file: string) => boolean,
  pageAt: (file: string) => string,
): Promise<BundleFile[] | null> {
  const prepared = preparedShard;
  if (
    !prepared ||
    prepared.site !== site ||
    prepared.index !== job.index ||
    !sameItems(prepared.files, job.files)
  )
    return null;
  preparedShard = null;
  const again: ShardPage[] = job.files.filter(rewritten).map((file) => [file, pageAt(file)]);
  const request: ShardWorkerRequest = { finish: again };
  prepared.worker.postMessage(request);
  const answer = await prepared.answer;
  // Its Pagefind process is gone before another starts.
  await ended(prepared);
  return answer && "bundle" in answer ? answer.bundle : null;
}

/**
 * Indexes the given pages of a built site into their shards in `siteDir`. Only pages marked
 * data-pagefind-body are indexed, as Pagefind does with a whole folder; returns how many were,
 * per shard. A page is read from `pageAt(file)`, by default the same folder. With `published`
 * (the site the new files will be merged into), a file of a shard that the published site
 * already holds with the same bytes is not written but listed in `published.kept`. With `open`,
 * a single shard with digests is indexed in the shard kept open (see KeepOpen); any other call
 * closes that shard first.
 */
export async function buildSearchShards(
  siteDir: string,
  jobs: readonly ShardJob[],
  pageAt: (file: string) => string = (file) => path.join(siteDir, file),
  published: PublishedSite | null = null,
  open: KeepOpen | null = null,
): Promise<Map<number, number>> {
  try {
    return await indexJobs(siteDir, jobs, pageAt, published, open);
  } finally {
    // Not the shard of any job: its worker's memory goes back.
    await dropPreparedShard();
  }
}

async function indexJobs(
  siteDir: string,
  jobs: readonly ShardJob[],
  pageAt: (file: string) => string,
  published: PublishedSite | null,
  open: KeepOpen | null,
): Promise<Map<number, number>> {
  const output: ShardOutput = { siteDir, published };
  const counted = new Map<number, number>();
  if (jobs.length === 0) return counted;
  const only = jobs.length === 1 ? jobs[0] : undefined;
  if (open && only?.digests) {
    const pages = await indexOpenShard(open, { ...only, digests: only.digests }, output, pageAt);
    return new Map([[only.index, pages]]);
  }
  // Its memory goes back before other shards take theirs.
  await closeOpenShard();
  let queue = [...jobs];
  const prepared = jobs.find((job) => job.index === preparedShard?.index);
  const rewritten = published?.rewritten;
  const bundle =
    published && rewritten && prepared
      ? await preparedBundle(published.dir, prepared, rewritten, pageAt)
      : null;
  if (published && prepared && bundle) {
    counted.set(prepared.index, await writeBundle(bundle, siteDir, published, prepared.index));
    published.fromPrepared = prepared.index;
    queue = queue.filter((job) => job !== prepared);
  }
  // Adding pages holds a process to one core and a fifth of its memory; building the bundle
  // takes the rest of both. One process builds while the other adds, never two at once, so two
  // shards cost about what one did before and Pagefind's memory stays that of one build.
  const oneBuildAtATime = exclusive();
  const slots = Array.from({ length: Math.min(SHARDS_AT_ONCE, queue.length) }, async (_, slot) => {
    const instance = await pagefindInstance(slot);
    for (let job = queue.shift(); job; job = queue.shift()) {
      const { index, files } = job;
      try {
        const shard = await indexedPages(instance, files, pageAt);
        counted.set(index, await oneBuildAtATime(() => writeShard(shard, output, index)));
      } catch (error) {
        // The other slot takes no further shard: the build has failed.
        queue.length = 0;
        throw await indexingError(instance, index, error);
      } finally {
        // Stops this slot's Pagefind process, and with it the memory of its shard.
        await stopPagefind(instance);
      }
    }
  });
  // Every slot is settled before an error is passed on, so none writes into a failed build.
  const settled = await Promise.allSettled(slots);
  for (const outcome of settled) if (outcome.status === "rejected") throw outcome.reason;
  return new Map(jobs.map(({ index }) => [index, counted.get(index) ?? 0]));
}

/** Runs the functions it is given one after another, however they are called. */
function exclusive(): <T>(work: () => Promise<T>) => Promise<T> {
  let last: Promise<unknown> = Promise.resolve();
  return (work) => {
    const run = last.then(work);
    last = run.catch(() => undefined);
    return run;
  };
}

/**
 * The pagefind package drives one Pagefind process per instance of its module. Each slot loads
 * its own instance, under a URL of its own, to have a process of its own.
 */
const pagefindEntry = import.meta.resolve("pagefind");
const pagefindInstance = (slot: number | "open"): Promise<typeof pagefind> =>
  import(slot === 0 ? pagefindEntry : `${pagefindEntry}?process=${slot}`) as Promise<
    typeof pagefind
  >;
