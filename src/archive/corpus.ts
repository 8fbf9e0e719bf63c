import { createHash } from "node:crypto";
import { type Stats, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import path from "node:path";
import { inflateRawSync } from "node:zlib";
import { Piscina } from "piscina";
import {
  type Analyzer,
  type ArticleTrace,
  type CorpusAnalysis,
  combineAnalyses,
  createAnalyzer,
  foundIds,
  type KnowledgeBase,
  type KnowledgeChange,
  knowledgeChange,
  mayAffect,
} from "../knowledge/index.ts";
import {
  type ContentProblem,
  duplicateIdProblem,
  listMarkdownFiles,
  MAX_ARTICLE_BYTES,
  tooLarge,
} from "../records/index.ts";
import {
  type AnalysisCache,
  analysisCacheDir,
  type CachedArticle,
  contentHash,
  type EditTrace,
  type ExportDigests,
  exportDigests,
  type FileStamp,
  outcomeDigest,
  ownBytes,
  pipelineDigest,
  readAnalysisCache,
  readEditTraces,
  readFileIndex,
  readKnowledgeSnapshot,
  searchDigest,
  stampMatches,
  writeAnalysisCache,
  writeFileIndex,
  writeKnowledgeSnapshot,
} from "./cache.ts";
import { eachLimited } from "./limited.ts";
import { collectGarbage } from "./memory.ts";
import {
  type ArticleOutcome,
  type ArticleTask,
  type PreparedArticle,
  runArticleTask,
  type StoredAnalysis,
  type StoredResult,
} from "./work.ts";

export interface CorpusOptions {
  /** Project folder holding content/articles; paths in records and problems are relative to it. */
  root: string;
  kb: KnowledgeBase;
  /** Keep parsed and analysed articles between builds in <root>/.cache (on unless false). */
  cache?: boolean;
  /**
   * Worker threads for articles that must be parsed or analysed: a number, or "auto" (one per
   * core, when there are enough articles to repay starting them).
   */
  workers?: number | "auto";
  /**
   * Keep the cache in this process's memory for its next load, rather than reading it from disk
   * again: for a process that builds again and again (`serve`'s builder).
   */
  remember?: boolean;
  /**
   * Leave writing the cache's files to the caller (`LoadedCorpus.saveCache`), so a process that
   * rebuilds on every save writes them after the pages rather than before.
   */
  deferCacheWrites?: boolean;
  onProgress?: (done: number, total: number) => void;
}

export interface CorpusStats {
  files: number;
  /** Articles whose parse and analysis came from the cache. */
  cached: number;
  /**
   * Of those, analyses made with an earlier knowledge base and kept because its edit cannot
   * reach them (see knowledge's `mayAffect`).
   */
  unaffected: number;
  /** Sentences of the articles analysed whose proposals the cache recalled instead of tagging. */
  recalled: number;
  /** Articles parsed and analysed again (new or changed bytes, or the knowledge base changed). */
  analysed: number;
  workers: number;
  /** The cache came from this process's memory (a long-lived builder), not from disk. */
  remembered: boolean;
}

export interface LoadedCorpus extends CorpusAnalysis<StoredAnalysis> {
  articles: PreparedArticle[];
  /**
   * Per article id, a hash of its record, analysis and file path: what decides whether pages
   * showing the article must be written again.
   */
  digests: Map<string, string>;
  /** Per article id, hashes of what the data exports show of it. */
  exportDigests: Map<string, ExportDigests>;
  /** Per article id, a hash of what search indexes of its page, and its file path. */
  searchDigests: Map<string, string>;
  problems: ContentProblem[];
  stats: CorpusStats;
  /** Ids of the articles this load parsed and analysed, in file order (see CorpusStats.analysed). */
  analysedIds: string[];
  /**
   * What the articles were: the digest of the code that parses and analyses them, and each
   * file's path and content hash, in path order (see `stampedArticles`, which gives the same
   * from the file index without reading anything).
   */
  inputs: ArticleInputs;
  /**
   * Writes what this load read and analysed to the cache's files, once however often it is
   * called; already done unless the load was asked to defer it.
   */
  saveCache: () => Promise<void>;
}

export interface ArticleInputs {
  pipeline: string;
  files: [path: string, hash: string][];
}

/** An article taken from the cache: its edit trace stays in the cache's files. */
type CachedOutcome = Omit<
  Extract<ArticleOutcome, { ok: true }>,
  "matchingText" | "sentenceMemo" | "recalled"
>;

/** The cache as the last load of a remembering process left it. */
let remembered: { dir: string; cache: AnalysisCache } | null = null;

/** Below this many articles to work on, starting threads costs more than it saves. */
const MIN_TASKS_FOR_WORKERS = 200;
const READ_CONCURRENCY = 64;
/** Past this share of the cache's entries let go by a load, the others' bytes are copied out. */
const DROPPED_SHARE_TO_COPY = 1 / 8;
/** Results received between collections in the main thread while workers analyse. */
const COLLECT_EVERY = 1000;

/**
 * The main thread's analyzer of a knowledge base, kept while the knowledge base object lives:
 * `serve`'s builder analyses an edited article or two per build with an unchanged knowledge base
 * (the same object, see loadKnowledgeBase), and building an analyzer of a large one takes 0.05 s.
 */
const analyzers = new WeakMap<KnowledgeBase, Analyzer>();

function analyzerFor(kb: KnowledgeBase): Analyzer {
  let analyzer = analyzers.get(kb);
  if (!analyzer) {
    analyzer = createAnalyzer(kb);
    analyzers.set(kb, analyzer);
  }
  return analyzer;
}

/**
 * Makes this thread's analyzer of `kb` before an article needs it (0.2 s for a large knowledge
 * base, compromise loaded with it): `serve`'s builder does so while it waits for the first edit.
 */
export function prepareAnalysis(kb: KnowledgeBase): void {
  analyzerFor(kb);
}

const utf8 = new TextDecoder();

/**
 * What an edit of the knowledge base is checked against: the text, and what was found in it;
 * null without a readable text, and the article is analysed again.
 */
function traceOf(entry: CachedArticle, stored: Uint8Array | undefined): ArticleTrace | null {
  let text: string;
  try {
    if (!stored) return null;
    text = utf8.decode(inflateRawSync(stored));
  } catch {
    return null;
  }
  return { text, ids: foundIds(entry.result) };
}

/**
 * For each earlier knowledge base the cache holds analyses of (there is one after any build),
 * what changed since: none when its copy is missing, so those articles are analysed again.
 */
async function knowledgeChanges(
  cache: AnalysisCache,
  kb: KnowledgeBase,
  dir: string,
): Promise<Map<string, KnowledgeChange>> {
  const earlier = new Set<string>();
  for (const entry of cache.entries.values()) {
    if (entry.kbDigest !== kb.digest) earlier.add(entry.kbDigest);
  }
  const changes = new Map<string, KnowledgeChange>();
  for (const digest of earlier) {
    const before = await readKnowledgeSnapshot(dir, digest, cache.pipeline);
    const change = before ? knowledgeChange(before, kb) : null;
    if (change && !change.everything) changes.set(digest, change);
  }
  return changes;
}

function workerCount(option: CorpusOptions["workers"], tasks: number): number {
  if (typeof option === "number") return Math.max(0, Math.floor(option));
  if (tasks < MIN_TASKS_FOR_WORKERS) return 0;
  const cores = availableParallelism();
  return cores > 1 ? Math.min(cores, 8) : 0;
}

/**
 * Every article of the project, parsed, validated and analysed, reusing what the cache holds for
 * bytes seen before and spreading the rest over worker threads. Problems are collected, not
 * thrown, so one bad file does not hide the others.
 */
export async function loadCorpus(options: CorpusOptions): Promise<LoadedCorpus> {
  const { root, kb } = options;
  const { files, rels } = await articleFiles(root);
  const useCache = options.cache !== false;
  const cacheDir = analysisCacheDir(root);
  const pipeline = await pipelineDigest();
  const fileStats: Stats[] = new Array(files.length);
  const inMemory =
    options.remember && remembered?.dir === cacheDir && remembered.cache.pipeline === pipeline
      ? remembered.cache
      : null;
  // Dropped now, whatever this load remembers: it holds last build's articles.
  remembered = null;
  const cacheRead: Promise<AnalysisCache> = useCache
    ? inMemory
      ? Promise.resolve(inMemory)
      : readAnalysisCache(cacheDir, pipeline)
    : Promise.resolve({ pipeline, entries: new Map() });
  const stampsRead = useCache ? readFileIndex(cacheDir) : Promise.resolve(null);
  // Synchronous while the cache is read: a stat answered from the kernel's cache takes a few
  // microseconds, and through libuv's thread pool, one promise each, three times as long
  // (10,000 files: 0.05 against 0.15 s).
  for (const [index, file] of files.entries()) fileStats[index] = statSync(file);
  const [cache, stamps] = await Promise.all([cacheRead, stampsRead]);

  const problems: ContentProblem[] = [];
  const outcomes: (ArticleOutcome | CachedOutcome | null)[] = new Array(files.length).fill(null);
  const hashes: (string | null)[] = new Array(files.length).fill(null);
  // The cache entry each article was taken from, whose digests it keeps.
  const hits: (CachedArticle | null)[] = new Array(files.length).fill(null);
  const pending: { index: number; task: ArticleTask }[] = [];
  const stats: CorpusStats = {
    files: files.length,
    cached: 0,
    unaffected: 0,
    recalled: 0,
    analysed: 0,
    workers: 0,
    remembered: useCache && inMemory !== null,
  };
  const changes = await knowledgeChanges(cache, kb, cacheDir);
  const earlierTraces =
    changes.size > 0 ? await readEditTraces(cacheDir) : new Map<string, EditTrace>();
  // Analyses kept through a knowledge-base edit: their entries are written again, with its digest,
  // and with the traces read here, which the cache's write would otherwise read a second time.
  const restamped = new Map<string, EditTrace>();
  // Analyses the edit reaches: a file whose stamp matched is asked about again once read, and its
  // text need not be inflated and checked twice.
  const reached = new Set<string>();
  const reuse = (index: number, hash: string): boolean => {
    const hit = cache.entries.get(hash);
    if (!hit || reached.has(hash)) return false;
    if (hit.kbDigest !== kb.digest) {
      const change = changes.get(hit.kbDigest);
      const earlier = earlierTraces.get(hash);
      const trace = traceOf(hit, earlier?.matchingText);
      if (!change || !earlier || !trace || mayAffect(change, trace)) {
        reached.add(hash);
        return false;
      }
      restamped.set(hash, earlier);
      stats.unaffected += 1;
    }
    hashes[index] = hash;
    outcomes[index] = { ok: true, article: hit.article, result: hit.result };
    hits[index] = hit;
    stats.cached += 1;
    return true;
  };
  const toRead: number[] = [];
  for (const [index, info] of fileStats.entries()) {
    const rel = rels[index] as string;
    if (info.size > MAX_ARTICLE_BYTES) problems.push({ file: rel, message: tooLarge(info.size) });
    else {
      const stamp = stamps?.get(rel);
      if (!stampMatches(stamp, info) || !reuse(index, stamp.hash)) toRead.push(index);
    }
  }
  // Only files that changed, or whose analysis the cache lacks, are read at all.
  await eachLimited(toRead, READ_CONCURRENCY, async (index) => {
    const bytes = await readFile(files[index] as string);
    const hash = contentHash(bytes);
    if (reuse(index, hash)) return;
    hashes[index] = hash;
    // A knowledge-base change re-parses too: the cache keeps no Markdown to analyse again.
    // After a knowledge-base edit, its sentences' proposals come along from the earlier analysis:
    // copied out of the traces file's buffer, which a worker would otherwise receive whole.
    const sentenceMemo = earlierTraces.get(hash)?.sentenceMemo.slice();
    pending.push({ index, task: { rel: rels[index] as string, bytes, sentenceMemo } });
  });
  // Entries not taken are garbage from here on: dropped before the analysis starts, so a build
  // after a knowledge-base edit does not hold the old analyses and the new ones at once.
  const taken = new Set(hits.flatMap((hit, index) => (hit ? [hashes[index] as string] : [])));
  const cachedKeys = [...cache.entries.keys()];
  for (const key of cachedKeys) if (!taken.has(key)) cache.entries.delete(key);
  // The bytes of entries read together share a buffer (see readAnalysisCache): when many went,
  // the rest are copied out, or the buffers would keep the bytes of those that went.
  if (cachedKeys.length - cache.entries.size > cachedKeys.length * DROPPED_SHARE_TO_COPY) {
    for (const entry of cache.entries.values()) ownBytes(entry);
  }
  if (changes.size > 0) {
    // So are the traces of the articles the edit reaches, and the copies checking made of them.
    earlierTraces.clear();
    collectGarbage();
  }
  // Tasks in file order, as before reading was concurrent: results and problems keep that order.
  pending.sort((a, b) => a.index - b.index);
  stats.analysed = pending.length;

  let done = stats.cached;
  const report = () => options.onProgress?.(done, files.length);
  const threads = workerCount(options.workers, pending.length);
  stats.workers = threads;
  if (threads === 0) {
    const analyzer = pending.length > 0 ? analyzerFor(kb) : null;
    for (const { index, task } of pending) {
      report();
      outcomes[index] = runArticleTask(task, analyzer as NonNullable<typeof analyzer>);
      done += 1;
    }
  } else {
    const pool = new Piscina<ArticleTask, ArticleOutcome>({
      filename: new URL("./analysis-worker.js", import.meta.url).href,
      minThreads: threads,
      maxThreads: threads,
      workerData: { kb },
      // One task at a time: queueing four per thread, with twice the young generation, measured
      // no faster (10,000 articles, three runs each, within 2%, inside this machine's noise).
      concurrentTasksPerWorker: 1,
      // V8's default young generation: the build may run node with a larger one for rendering
      // (README, "Scaling"), which would only add to each worker's memory.
      resourceLimits: { maxYoungGenerationSizeMb: 48 },
    });
    try {
      await Promise.all(
        pending.map(async ({ index, task }) => {
          outcomes[index] = await pool.run(task);
          done += 1;
          // Receiving results leaves garbage that V8 would let pile up while the workers run;
          // this thread is otherwise idle, so collecting now and then costs no time.
          if (done % COLLECT_EVERY === 0) collectGarbage();
          report();
        }),
      );
    } finally {
      await pool.destroy();
    }
  }

  const articles: PreparedArticle[] = [];
  const results: [string, StoredResult][] = [];
  const byId = new Map<string, string>();
  const keep = new Map<string, CachedArticle>();
  // Of the articles analysed now and of those an edit did not reach; the cache's files keep the
  // others' from before.
  const traces = new Map<string, EditTrace>(restamped);
  const digests = new Map<string, string>();
  const exportDigestsById = new Map<string, ExportDigests>();
  const searchDigests = new Map<string, string>();
  const analysedIds: string[] = [];
  const withPath = (hash: string, rel: string) =>
    createHash("sha256").update(`${hash}\0${rel}`).digest("hex").slice(0, 32);
  for (const [index, outcome] of outcomes.entries()) {
    if (!outcome) continue;
    const rel = rels[index] as string;
    if (!outcome.ok) {
      problems.push(...outcome.problems);
      continue;
    }
    const hit = hits[index];
    const digest = hit?.digest ?? outcomeDigest(outcome.article, outcome.result);
    const exported = hit?.exports ?? exportDigests(outcome.article, outcome.result);
    const searched = hit?.search ?? searchDigest(outcome.article, outcome.result);
    keep.set(hashes[index] as string, {
      article: outcome.article,
      kbDigest: kb.digest,
      result: outcome.result,
      digest,
      exports: exported,
      search: searched,
    });
    if ("matchingText" in outcome) {
      const { matchingText, sentenceMemo } = outcome;
      traces.set(hashes[index] as string, { matchingText, sentenceMemo });
      stats.recalled += outcome.recalled;
    }
    const other = byId.get(outcome.article.id);
    if (other) {
      problems.push(duplicateIdProblem(rel, outcome.article.id, other));
      continue;
    }
    byId.set(outcome.article.id, rel);
    if (!hit) analysedIds.push(outcome.article.id);
    articles.push({ ...outcome.article, file: rel });
    // The file's path shows on the article's page ("Imported from …").
    digests.set(outcome.article.id, withPath(digest, rel));
    searchDigests.set(outcome.article.id, withPath(searched, rel));
    exportDigestsById.set(outcome.article.id, exported);
    results.push([outcome.article.id, outcome.result]);
  }
  if (useCache && options.remember) {
    remembered = { dir: cacheDir, cache: { pipeline, entries: keep } };
  }
  // Only what this build read is kept, so deleted and edited-away versions do not pile up.
  let write: CacheWrite | null = null;
  if (useCache) {
    const changed = new Set(pending.map(({ index }) => hashes[index] as string));
    for (const key of cachedKeys) if (!keep.has(key)) changed.add(key);
    for (const key of restamped.keys()) changed.add(key);
    const stamped = rels.flatMap((rel, index) => {
      const hash = hashes[index];
      const info = fileStats[index];
      return hash && info ? [[rel, info, hash] as [string, Stats, string]] : [];
    });
    write = { cacheDir, kb, cache: { pipeline, entries: keep }, changed, traces, stamps, stamped };
  }
  const saveCache = cacheWriter(write);
  if (!options.deferCacheWrites) await saveCache();
  return {
    articles,
    digests,
    exportDigests: exportDigestsById,
    searchDigests,
    problems,
    stats,
    analysedIds,
    inputs: {
      pipeline,
      files: rels.flatMap((rel, index) => {
        const hash = hashes[index];
        return hash ? [[rel, hash] as [string, string]] : [];
      }),
    },
    saveCache,
    ...combineAnalyses(results),
  };
}

/** What a load writes to the cache's files (see writeAnalysisCache and writeFileIndex). */
interface CacheWrite {
  cacheDir: string;
  kb: KnowledgeBase;
  cache: AnalysisCache;
  changed: Set<string>;
  traces: Map<string, EditTrace>;
  stamps: Map<string, FileStamp> | null;
  stamped: [string, Stats, string][];
}

/**
 * Writes once, however often called. Made outside loadCorpus and letting go of what it wrote: a
 * closure there would keep the load's whole scope (every analysis, every article's edit trace)
 * alive for as long as the caller holds it, through the rest of the build (170 MB more at the
 * peak of a 10,000-article build).
 */
function cacheWriter(write: CacheWrite | null): () => Promise<void> {
  let pending = write;
  let written: Promise<void> | null = null;
  return () => {
    if (!written) {
      const job = pending;
      pending = null;
      written = job ? writeCacheFiles(job) : Promise.resolve();
    }
    return written;
  };
}

async function writeCacheFiles(job: CacheWrite): Promise<void> {
  await writeAnalysisCache(job.cacheDir, job.cache, job.changed, job.traces);
  await writeKnowledgeSnapshot(job.cacheDir, job.kb, job.cache.pipeline);
  await writeFileIndex(job.cacheDir, job.stamps, job.stamped);
}

/** The project's article files, and their paths as records and the cache name them. */
async function articleFiles(root: string): Promise<{ files: string[]; rels: string[] }> {
  const files = await listMarkdownFiles(path.join(root, "content", "articles"));
  return { files, rels: files.map((f) => path.relative(root, f).split(path.sep).join("/")) };
}

/**
 * The project's articles as the last build's file index stamped them, when every article file
 * still has its stamp (the same size, times and inode, so the same bytes) and there is no other:
 * what `loadCorpus` would report as its inputs, from a stat of each file alone. Null when any
 * file is new, changed, too large, or was too recently changed to be stamped.
 */
export async function stampedArticles(root: string): Promise<ArticleInputs | null> {
  const { files, rels } = await articleFiles(root);
  const stamps = await readFileIndex(analysisCacheDir(root));
  if (!stamps) return null;
  const inputs: ArticleInputs["files"] = [];
  for (const [index, file] of files.entries()) {
    const rel = rels[index] as string;
    const stamp = stamps.get(rel);
    let info: Stats;
    try {
      info = statSync(file);
    } catch {
      return null;
    }
    if (info.size > MAX_ARTICLE_BYTES || !stampMatches(stamp, info)) return null;
    inputs.push([rel, stamp.hash]);
  }
  return { pipeline: await pipelineDigest(), files: inputs };
}
