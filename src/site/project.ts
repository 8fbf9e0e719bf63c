import { mkdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { deserialize, serialize } from "node:v8";
import {
  type Archive,
  type ArticleInputs,
  buildArchive,
  type CorpusOptions,
  type CorpusStats,
  codeDigest,
  type ExportDigests,
  isRelatedMemory,
  loadCorpus,
  type RelatedMemory,
  recallKnowledgeBase,
  replaceFile,
} from "../archive/index.ts";
import { type KnowledgeBase, loadKnowledgeBase } from "../knowledge/index.ts";
import { ContentError, type ContentProblem, loadArticles } from "../records/index.ts";
import { loadSiteConfig, type SiteConfig } from "./config.ts";
import { type ProgressReporter, silentProgress } from "./progress.ts";
import { checkTopicReferences } from "./references.ts";

/** Everything the templates render, computed once per build. */
export interface Project {
  root: string;
  config: SiteConfig;
  kb: KnowledgeBase;
  archive: Archive;
  /** Milliseconds spent loading, validating, extracting and indexing. */
  timings: Record<string, number>;
  /** How many articles came from the cache and how many were parsed or analysed again. */
  corpus: CorpusStats;
  /** Ids of the articles parsed and analysed again (new or edited files, mostly). */
  analysedIds: readonly string[];
  /** Per article id, the hash of what its pages show of it. */
  articleDigests: ReadonlyMap<string, string>;
  /** Per article id, hashes of what the data exports show of it. */
  exportDigests: ReadonlyMap<string, ExportDigests>;
  /** Per article id, the hash of what search indexes of its page. */
  searchDigests: ReadonlyMap<string, string>;
  /** The article files and code the archive was made from (see unchanged.ts). */
  articleInputs: ArticleInputs;
  /**
   * Writes the article cache's files: a remembering process (`serve`'s builder) leaves that until
   * its pages are written; otherwise it is done already.
   */
  saveCache: () => Promise<void>;
}

let projectRoot = process.cwd();
let progress: ProgressReporter = silentProgress;
let corpusOptions: Pick<CorpusOptions, "cache" | "workers" | "remember"> = {};

/** Whether builds keep articles in <root>/.cache, and how many worker threads analyse them. */
export function useCorpusOptions(
  options: Pick<CorpusOptions, "cache" | "workers" | "remember">,
): void {
  corpusOptions = options;
}

/** Where long stages report progress; silent unless a command asks for it. */
export function useProgress(reporter: ProgressReporter): void {
  progress = reporter;
}
let cached: { key: string; project: Promise<Project> } | null = null;
let loaded: Project | null = null;
/**
 * What the last archive found of related articles, for the next build: `serve`'s builder keeps
 * it in memory, and a build with the cache keeps it in <root>/.cache for the next process. The
 * builder also keeps the archive itself, which the next build updates when only text changed.
 */
let remembered: { root: string; related: RelatedMemory; archive: Archive | null } | null = null;

const relatedMemoryFile = (root: string) => path.join(root, ".cache", "news-archive", "related.v8");

/**
 * The code that finds related articles: a memory from other code is not taken over. Read once per
 * process (the code of a running process does not change), not at each load and save.
 */
let relatedCodeDigest: Promise<string> | null = null;
const relatedCode = () => {
  relatedCodeDigest ??= codeDigest(["src/archive"], []);
  return relatedCodeDigest;
};

/** The memory a previous build left on disk, or null (none, unreadable or from other code). */
async function readRelatedMemory(root: string): Promise<RelatedMemory | null> {
  try {
    const stored = deserialize(await readFile(relatedMemoryFile(root))) as {
      code?: unknown;
      memory?: unknown;
    };
    return stored.code === (await relatedCode()) && isRelatedMemory(stored.memory)
      ? stored.memory
      : null;
  } catch {
    return null;
  }
}

/**
 * Keeps what the last build of `root` found of related articles in its cache folder, for the
 * next build in a fresh process. Failing to write it only makes that build slower.
 */
export async function saveRelatedMemory(root: string): Promise<void> {
  const kept = remembered;
  if (kept?.root !== root || corpusOptions.cache === false) return;
  const file = relatedMemoryFile(root);
  try {
    await mkdir(path.dirname(file), { recursive: true });
    await replaceFile(file, serialize({ code: await relatedCode(), memory: kept.related }));
  } catch {
    // The next build scores related articles afresh.
  }
}

let renderSelection: ((permalink: string) => boolean) | null = null;

/**
 * Which pages the next Eleventy run writes, by permalink: a build that reuses unchanged pages
 * renders only the others. Null renders everything.
 */
export function useRenderSelection(keep: ((permalink: string) => boolean) | null): void {
  renderSelection = keep;
}

export function currentRenderSelection(): ((permalink: string) => boolean) | null {
  return renderSelection;
}

/** A fixed page's permalink, or false (Eleventy writes nothing) when this run leaves it out. */
export function permalinkIfSelected(permalink: string): string | false {
  return !renderSelection || renderSelection(permalink) ? permalink : false;
}

/** Which content folder the next build reads; templates read the project of this root. */
export function useProjectRoot(root: string): void {
  projectRoot = path.resolve(root);
}

async function load(root: string): Promise<Project> {
  const timings: Record<string, number> = {};
  const time = async <T>(stage: string, work: () => Promise<T> | T): Promise<T> => {
    const started = performance.now();
    const result = await work();
    timings[stage] = Math.round(performance.now() - started);
    return result;
  };
  // Every content problem is reported in one go, whichever file it is in, so an editor fixes them
  // all before the next build rather than one file per attempt.
  const problems: ContentProblem[] = [];
  // Pushed one by one: a broken archive can have more problems than a call may have arguments.
  const report = (found: readonly ContentProblem[]) => {
    for (const problem of found) problems.push(problem);
  };
  const collect = async <T>(work: () => Promise<T>): Promise<T | null> => {
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof ContentError)) throw error;
      report(error.problems);
      return null;
    }
  };
  const articlesDir = path.join(root, "content", "articles");
  if (!(await stat(articlesDir).catch(() => null))?.isDirectory()) {
    // Nothing else can be checked without it; a stack trace would not say what to do.
    throw new ContentError([
      {
        file: "content/articles",
        message: `no such folder under ${root}: run the command in the project's folder (or name it with --root), or add articles with news-archive import`,
      },
    ]);
  }
  const config = await time("config", () => collect(() => loadSiteConfig(root)));
  const kb = await time("knowledge", () =>
    collect(() =>
      loadKnowledgeBase(path.join(root, "content", "knowledge"), root, {
        // --no-cache trusts nothing kept from before.
        recall:
          corpusOptions.cache === false ? undefined : (digest) => recallKnowledgeBase(root, digest),
      }),
    ),
  );
  // Parse and extraction share one pass over the files: each article is a task for the cache or
  // a worker thread, so they cannot be timed apart.
  const corpus = kb
    ? await time("articles", () =>
        loadCorpus({
          root,
          kb,
          ...corpusOptions,
          deferCacheWrites: corpusOptions.remember === true,
          onProgress: progress("articles"),
        }),
      )
    : null;
  if (corpus) report(corpus.problems);
  // Without a knowledge base nothing can be analysed, but the articles' own problems are still
  // worth reporting in the same run.
  else report((await loadArticles(articlesDir, root)).problems);
  if (kb && corpus) report(await checkTopicReferences(corpus.articles, kb, root));
  if (problems.length > 0 || !config || !kb || !corpus) {
    // What was analysed is kept for the build after the fix.
    await corpus?.saveCache();
    throw new ContentError(problems);
  }
  const {
    articles,
    analyses,
    discovered,
    stats,
    analysedIds,
    digests,
    exportDigests,
    searchDigests,
    inputs,
  } = corpus;
  const relatedFrom =
    corpusOptions.remember && remembered?.root === root
      ? remembered.related
      : corpusOptions.cache !== false
        ? await readRelatedMemory(root)
        : null;
  const previous = corpusOptions.remember && remembered?.root === root ? remembered.archive : null;
  const archive = await time("index", () =>
    buildArchive({ articles, analyses, discovered, kb }, { relatedFrom, previous }),
  );
  loaded = {
    root,
    config,
    kb,
    archive,
    timings,
    corpus: stats,
    analysedIds,
    articleDigests: digests,
    exportDigests,
    searchDigests,
    articleInputs: inputs,
    saveCache: corpus.saveCache,
  };
  return loaded;
}

/**
 * The project of the current root, loaded once and kept until releaseProject(): a build renders in
 * many Eleventy runs, each asking for it. Each build releases it when done, so the next build sees
 * every content change (a build is always a fresh look at the content; `serve` runs one per change).
 */
export async function getProject(): Promise<Project> {
  const root = projectRoot;
  if (cached?.key !== root) {
    const project = load(root);
    cached = { key: root, project };
    project.catch(() => {
      if (cached?.project === project) cached = null;
    });
  }
  return cached.project;
}

/**
 * Forgets the loaded project, so its memory can be reclaimed once the pages are written; the
 * next getProject() loads it again (from the cache, quickly).
 */
export function releaseProject(): void {
  if (loaded && (corpusOptions.remember || corpusOptions.cache !== false)) {
    remembered = {
      root: loaded.root,
      related: loaded.archive.relatedMemory(),
      // serve's builder updates it for the next build (~30 MB at 10,000 beyond the articles and
      // analyses it holds anyway).
      archive: corpusOptions.remember ? loaded.archive : null,
    };
  }
  cached = null;
  loaded = null;
}

/**
 * The project the current build loaded. Templates render after Eleventy's global data has awaited
 * `getProject()`, so this is always there by then; reading it costs nothing per page.
 */
export function loadedProject(): Project {
  if (!loaded)
    throw new Error("The project is read before it was loaded: getProject() must run first");
  return loaded;
}
