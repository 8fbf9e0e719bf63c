import { readFileSync, writeFileSync } from "node:fs";
import { readdir, rm } from "node:fs/promises";
import path from "node:path";
import { progressReporter } from "./progress.ts";

/**
 * Runs pipeline stages in a process of their own and prints one `BENCH {json}` line per stage:
 * wall time and the peak resident memory of that stage alone. A stage whose module or function is
 * missing (another part of the project still being written) prints `unavailable` instead of
 * failing, and the stages after it that need its output do the same.
 *
 *   stage.ts import <root> <raw dir>     importArticles into <root>/content/articles
 *   stage.ts pipeline <root>             parse, extract, index (and related() for every article)
 *   stage.ts build <root> <out>          the whole buildSite, with its own render/search timings
 *   stage.ts search <site>               the Pagefind index of an already built site, alone
 */

const [stage = "", first = "", second = ""] = process.argv.slice(2);
const quiet = process.env.BENCH_QUIET === "1";

/**
 * Linux lets a process reset its own peak RSS (VmHWM) by writing 5 to clear_refs, which gives an
 * exact per-stage peak even for synchronous stages no in-process sampler could interrupt.
 */
function resetPeak(): boolean {
  try {
    writeFileSync("/proc/self/clear_refs", "5");
    return true;
  } catch {
    return false;
  }
}

function peakMb(): number {
  try {
    const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
    if (hwm?.[1]) return Math.round(Number(hwm[1]) / 1024);
  } catch {}
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

function emit(result: Record<string, unknown>): void {
  console.log(`BENCH ${JSON.stringify(result)}`);
}

async function timed<T>(
  name: string,
  work: () => Promise<T> | T,
  extra: (result: T) => Record<string, unknown> = () => ({}),
): Promise<T> {
  const exact = resetPeak();
  const started = performance.now();
  const result = await work();
  const ms = Math.round(performance.now() - started);
  emit({ stage: name, ms, peakMb: peakMb(), peakIsCumulative: !exact, ...extra(result) });
  return result;
}

function unavailable(names: string[], error: unknown): void {
  const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
  for (const name of names) emit({ stage: name, unavailable: reason });
}

/** A module export by name, checked at run time because the module may not have it yet. */
async function load<T>(specifier: string, name: string): Promise<T> {
  const module = (await import(specifier)) as Record<string, unknown>;
  const value = module[name];
  if (typeof value !== "function") throw new Error(`${specifier} has no export ${name}`);
  return value as T;
}

type ImportArticles = (
  inputs: string[],
  options: { contentDir: string; force: boolean; root: string },
) => Promise<{ created: unknown[]; updated: unknown[]; failed: unknown[]; skipped: unknown[] }>;

async function runImport(root: string, rawDir: string): Promise<void> {
  let importArticles: ImportArticles;
  try {
    importArticles = await load<ImportArticles>("../src/ingest/index.ts", "importArticles");
  } catch (error) {
    return unavailable(["import"], error);
  }
  await timed(
    "import",
    () =>
      importArticles([rawDir], {
        contentDir: path.join(root, "content", "articles"),
        force: true,
        root,
      }),
    (report) => ({
      written: report.created.length + report.updated.length,
      failed: report.failed.length,
      skipped: report.skipped.length,
    }),
  );
}

interface Parsed {
  articles: { id: string; file: string }[];
  problems: unknown[];
}
type LoadArticles = (
  dir: string,
  root: string,
  onProgress?: (done: number, total: number) => void,
) => Promise<Parsed>;
type LoadKnowledgeBase = (dir: string, root: string) => Promise<{ entities: unknown[] }>;
type AnalyzeCorpus = (
  articles: unknown[],
  kb: unknown,
  options: { onProgress?: (done: number, total: number) => void; discover?: boolean },
) => { analyses: Map<string, unknown>; discovered: unknown[] };
type PrepareArticle = (article: unknown, analysis: unknown) => Record<string, unknown>;
type BuildArchive = (input: {
  articles: unknown[];
  analyses: unknown;
  discovered: unknown[];
  kb: unknown;
}) => { entities: unknown[]; related(id: string, limit?: number): unknown[] };

async function runPipeline(root: string): Promise<void> {
  let parsed: Parsed;
  try {
    const loadArticles = await load<LoadArticles>("../src/records/index.ts", "loadArticles");
    const report = progressReporter("parse", quiet);
    parsed = await timed(
      "parse",
      () => loadArticles(path.join(root, "content", "articles"), root, report),
      (p) => ({ articles: p.articles.length, problems: p.problems.length }),
    );
  } catch (error) {
    return unavailable(["parse", "extract", "prepare", "index", "related"], error);
  }

  let analysis: ReturnType<AnalyzeCorpus>;
  let kb: unknown;
  try {
    const loadKnowledgeBase = await load<LoadKnowledgeBase>(
      "../src/knowledge/index.ts",
      "loadKnowledgeBase",
    );
    const analyzeCorpus = await load<AnalyzeCorpus>("../src/knowledge/index.ts", "analyzeCorpus");
    let knowledgeMs = 0;
    analysis = await timed(
      "extract",
      async () => {
        const started = performance.now();
        kb = await loadKnowledgeBase(path.join(root, "content", "knowledge"), root);
        knowledgeMs = performance.now() - started;
        return analyzeCorpus(parsed.articles, kb, {
          onProgress: progressReporter("extract", quiet),
        });
      },
      (a) => ({
        knowledgeBaseMs: Math.round(knowledgeMs),
        kbEntities: (kb as { entities: unknown[] }).entities.length,
        discovered: a.discovered.length,
      }),
    );
  } catch (error) {
    return unavailable(["extract", "prepare", "index", "related"], error);
  }

  // What a build's workers do after analysis (body HTML, lead, sentences), timed apart so the
  // index stage measures the index alone.
  let prepared: unknown[];
  try {
    const prepareArticle = await load<PrepareArticle>("../src/archive/index.ts", "prepareArticle");
    prepared = await timed("prepare", () =>
      parsed.articles.map((article) => ({
        ...prepareArticle(article, analysis.analyses.get(article.id) ?? { mentions: [] }),
        file: article.file,
      })),
    );
  } catch (error) {
    return unavailable(["prepare", "index", "related"], error);
  }

  let archive: ReturnType<BuildArchive>;
  try {
    const buildArchive = await load<BuildArchive>("../src/archive/index.ts", "buildArchive");
    archive = await timed(
      "index",
      () =>
        buildArchive({
          articles: prepared,
          analyses: analysis.analyses,
          discovered: analysis.discovered,
          kb,
        }),
      (a) => ({ entities: a.entities.length }),
    );
  } catch (error) {
    return unavailable(["index", "related"], error);
  }
  // Every article page asks for its related articles; timed apart because it can grow faster
  // than the corpus (each article against everything that shares an entity with it).
  await timed("related", () => {
    let found = 0;
    for (const article of parsed.articles) found += archive.related(article.id).length;
    return found;
  });
}

interface BuildSummary {
  pages: number;
  files: number;
  searchPages?: number;
  timings?: Record<string, number>;
  corpus?: unknown;
  pagesReused?: number;
  searchShards?: number;
  searchShardsReused?: number;
}
type BuildSite = (options: {
  root: string;
  outDir: string;
  quiet: boolean;
}) => Promise<BuildSummary>;

async function runBuild(root: string, outDir: string): Promise<void> {
  let buildSite: BuildSite;
  try {
    buildSite = await load<BuildSite>("../src/site/index.ts", "buildSite");
  } catch (error) {
    return unavailable(["build"], error);
  }
  await timed(
    "build",
    () => buildSite({ root, outDir, quiet }),
    (s) => ({
      pages: s.pages,
      files: s.files,
      searchPages: s.searchPages,
      timings: s.timings,
      corpus: s.corpus,
      pagesReused: s.pagesReused,
      searchShards: s.searchShards,
      searchShardsReused: s.searchShardsReused,
    }),
  );
}

type BuildSearchShards = (
  siteDir: string,
  jobs: { index: number; files: string[] }[],
) => Promise<Map<number, number>>;

/** Pagefind over every page of a built site as one index: what a single-index build costs. */
async function runSearch(siteDir: string): Promise<void> {
  let buildSearchShards: BuildSearchShards;
  try {
    buildSearchShards = await load<BuildSearchShards>("../src/site/search.ts", "buildSearchShards");
  } catch (error) {
    return unavailable(["search"], error);
  }
  await rm(path.join(siteDir, "pagefind"), { recursive: true, force: true });
  await rm(path.join(siteDir, "pagefind-shards"), { recursive: true, force: true });
  const files = (await readdir(siteDir, { recursive: true }))
    .filter((file) => file.endsWith(".html"))
    .map((file) => file.split(path.sep).join("/"))
    .sort();
  await timed(
    "search",
    () => buildSearchShards(siteDir, [{ index: 0, files }]),
    (counted) => ({ searchPages: counted.get(0) ?? 0 }),
  );
}

if (stage === "import") await runImport(first, second);
else if (stage === "pipeline") await runPipeline(first);
else if (stage === "build") await runBuild(first, second);
else if (stage === "search") await runSearch(first);
else throw new Error(`unknown stage ${stage}`);
