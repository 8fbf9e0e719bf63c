import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { setImmediate } from "node:timers/promises";
import { getHeapStatistics } from "node:v8";
import {
  type Archive,
  type CorpusStats,
  collectGarbage,
  prepareAnalysis,
} from "../archive/index.ts";
import { ContentError } from "../records/index.ts";
import { DATA_EXPORT_PATHS, layoutFits, type PreviousExport, writeDataExports } from "./exports.ts";
import {
  indexedPageCount,
  outputFile,
  type PlanMemory,
  planOutputs,
  type RenderPlan,
  siteDigest,
} from "./plan.ts";
import { silentProgress, stderrProgress } from "./progress.ts";
import {
  getProject,
  type Project,
  releaseProject,
  saveRelatedMemory,
  useCorpusOptions,
  useProgress,
  useProjectRoot,
  useRenderSelection,
} from "./project.ts";
import {
  exportLayoutsFile,
  filesUnder,
  linkFiles,
  manifestFile,
  mergeIntoSite,
  pruneManifests,
  readExportLayouts,
  readManifest,
  recordFiles,
  reusableFiles,
  type ShardRecord,
  type SiteChanges,
  type SiteCounts,
  type SiteManifest,
  type StoredLayouts,
  stillAsRecorded,
  writeExportLayouts,
  writeManifest,
} from "./reuse.ts";
import {
  buildSearchShards,
  dropPreparedShard,
  type KeepOpen,
  type PublishedSite,
  prepareShard,
  type ShardJob,
  shardCount,
  shardFolder,
  shardOf,
} from "./search.ts";
import {
  currentInputs,
  folderIntact,
  inputsDigest,
  recordOtherFiles,
  siteIntact,
} from "./unchanged.ts";
import { routes } from "./views.ts";

export interface BuildOptions {
  /** Folder holding content/ (articles, knowledge, site.yaml). */
  root: string;
  outDir: string;
  quiet: boolean;
  /** Reuse and keep parsed and analysed articles in <root>/.cache (default true). */
  cache?: boolean;
  /** Pages per Eleventy run (default RENDER_BATCH). */
  batchSize?: number;
  /** Keep unchanged pages and search index of the previous build in the output folder (default true). */
  reuse?: boolean;
  /** Worker threads for parsing and analysis: a number (0: none) or "auto" (the default). */
  workers?: number | "auto";
  /** Keep the article cache in memory for the next build in this process (`serve`'s builder). */
  remember?: boolean;
  /**
   * The caller knows that something changed since the last build (`serve`'s builder, woken by its
   * watcher), so the check for a build with nothing to do is left out: it could only fail.
   */
  changed?: boolean;
  /**
   * Called with the staging folder once the pages are written there, before the data exports and
   * the search index are written and the site published (`serve` shows the pages from there
   * meanwhile).
   */
  onPagesWritten?: (staging: string) => void;
  /**
   * Called once the pages of the articles this build parsed and analysed again (an edit, for
   * `serve`) are written to staging, ahead of planning and writing the rest, with their site
   * paths: the page being edited reloads without waiting for every page its edit reaches. Only
   * when at most EDITED_PAGES_FIRST articles were analysed; each such build runs Eleventy once more.
   */
  onEditedPagesWritten?: (staging: string, sitePaths: string[]) => void;
}

/** The last plan of a remembering process (`serve`'s builder), which the next one starts from. */
let lastPlan: { root: string; memory: PlanMemory } | null = null;

/** Past this many articles analysed (a knowledge-base edit, a batch import), pages come in one go. */
export const EDITED_PAGES_FIRST = 10;

export interface BuildSummary extends SiteCounts {
  searchShards: number;
  /** Search shards kept from the previous build because none of their pages' text had changed. */
  searchShardsReused: number;
  /**
   * Search shards re-indexed by giving the index kept open since the last build only their
   * changed pages (`serve`'s builder, see KeepOpen); counted among those not kept.
   */
  searchShardsUpdated?: number;
  /**
   * Search shards indexed from the published site's pages while the build planned and rendered,
   * then given only the pages it wrote again (see prepareShard); counted among those not kept.
   */
  searchShardsPrepared?: number;
  /** Files kept from the previous build because nothing they show had changed. */
  pagesReused: number;
  /**
   * Of a build merged into the previous site, the files it replaced or added and those it deleted:
   * what a deploy sends. Files written again with the same bytes are not among them.
   */
  siteChanges?: SiteChanges;
  /** The data exports written (the others were kept), their bytes, and how many were copied. */
  exports?: ExportsWritten;
  milliseconds: number;
  corpus: CorpusStats;
  timings: Record<string, number>;
  /**
   * Nothing the site is made from had changed and its folder was as the last build left it: the
   * build stopped after checking, and the counts are the last build's.
   */
  unchanged?: boolean;
}

export interface ExportsWritten {
  written: number;
  bytes: number;
  copied: number;
}

/**
 * Pages per Eleventy run. Eleventy keeps every page of a run in memory until the run ends, so a
 * large archive is written in several runs of this many pages, which bounds memory by the batch
 * rather than by the archive; each run costs a fixed half second or so.
 */
export const RENDER_BATCH = 1000;

/** Growth of V8's heap over a render that makes the build force a full collection. */
const RENDER_GARBAGE_BOUND = 256 * 1024 * 1024;

/** Bytes a collection must free before a second one is run to hand the freed pages back. */
const RETURN_PAGES_AFTER = 128 * 1024 * 1024;

/**
 * The planned files to render (all but the reused) in runs of at most `size`. The files outside
 * the plan (home page, indexes of everything) go with the last run, alone when no planned file
 * is to be rendered: each run costs Eleventy's fixed start, a quarter second at 10,000 articles.
 */
export function renderBatches(
  plan: ReadonlyMap<string, string>,
  reused: ReadonlySet<string>,
  size: number,
): Set<string>[] {
  const batches: Set<string>[] = [];
  let current = new Set<string>();
  for (const file of plan.keys()) {
    if (reused.has(file)) continue;
    current.add(file);
    if (current.size >= size) {
      batches.push(current);
      current = new Set();
    }
  }
  if (current.size > 0 || batches.length === 0) batches.push(current);
  return batches;
}

/** `fn` with each answer kept, for the length of a build's render. */
function memoized(fn: (key: string) => string): (key: string) => string {
  const answers = new Map<string, string>();
  return (key) => {
    let answer = answers.get(key);
    if (answer === undefined) {
      answer = fn(key);
      answers.set(key, answer);
    }
    return answer;
  };
}

/**
 * One Eleventy run. A function of its own so nothing of the run outlives it: the instance holds
 * every page it wrote (the last run's data exports are hundreds of megabytes), and a local in the
 * build's loop stayed reachable from the stack through the search stage.
 */
async function runEleventy(outDir: string, pathPrefix: string, silent: boolean): Promise<void> {
  const { default: Eleventy } = await loadEleventy();
  const eleventy = new Eleventy(path.join(PACKAGE_ROOT, "templates"), outDir, {
    configPath: path.join(PACKAGE_ROOT, ".eleventy.ts"),
    quietMode: true,
    pathPrefix,
  });
  if (silent) eleventy.disableLogger();
  await eleventy.write();
}

/**
 * Eleventy, loaded by the first build that renders (a quarter of a second): a build with nothing
 * to do never does.
 */
const loadEleventy = () => import("@11ty/eleventy");

/** Where templates and the Eleventy config live: this package, whatever content root is built. */
export const PACKAGE_ROOT = path.resolve(import.meta.dirname, "..", "..");

const within = (dir: string, parent: string) =>
  dir === parent || dir.startsWith(parent.endsWith(path.sep) ? parent : parent + path.sep);

/**
 * The swap deletes whatever was at the output path, so it must be a site this command built (or
 * nothing): never the project, its content, this package, or a folder of other files.
 */
export async function checkOutputDir(outDir: string, root: string): Promise<void> {
  const refuse = (why: string) => {
    throw new ContentError([
      { file: outDir, field: "--out", message: `${why}; choose a separate folder such as dist` },
    ]);
  };
  if (within(root, outDir)) refuse("is the project folder or contains it");
  if (within(outDir, path.join(root, "content"))) refuse("is inside content/");
  if (within(PACKAGE_ROOT, outDir)) refuse("is this package's folder or contains it");
  for (const own of ["templates", "src", "node_modules"]) {
    if (within(outDir, path.join(PACKAGE_ROOT, own))) refuse(`is inside the package's ${own}/`);
  }
  const info = await stat(outDir).catch(() => null);
  if (!info) return;
  if (!info.isDirectory()) refuse("is a file, not a folder");
  const entries = await readdir(outDir);
  if (entries.length > 0 && !entries.includes("index.html")) {
    refuse("holds files but no index.html, so it is not a site built here and would be deleted");
  }
}

const processAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
};

/**
 * Cleans up after a build that was killed (Ctrl+C, a stopped `serve`): its staging folder is
 * deleted, and a previous site it had moved aside is put back if the output is missing, since the
 * kill came between moving the old site out and the new one in.
 */
async function recoverAbandoned(outDir: string): Promise<void> {
  const parent = path.dirname(outDir);
  const base = path.basename(outDir);
  for (const name of await readdir(parent).catch(() => [])) {
    for (const kind of ["building", "previous"]) {
      const prefix = `.${base}-${kind}-`;
      const pid = name.startsWith(prefix) ? name.slice(prefix.length) : "";
      if (!/^\d+$/.test(pid) || Number(pid) === process.pid || processAlive(Number(pid))) continue;
      const folder = path.join(parent, name);
      if (kind === "previous" && !existsSync(outDir)) await rename(folder, outDir);
      else await rm(folder, { recursive: true, force: true });
    }
  }
}

/** Which project the next load reads, and how: set before each build. */
function useBuildOptions(
  root: string,
  options: Pick<BuildOptions, "quiet" | "cache" | "workers" | "remember">,
): void {
  useProjectRoot(root);
  useProgress(options.quiet ? silentProgress : stderrProgress());
  useCorpusOptions({
    cache: options.cache ?? true,
    workers: options.workers ?? "auto",
    remember: options.remember ?? false,
  });
}

/**
 * The pages of the articles `project` analysed again, written to `staging` in an Eleventy run of
 * their own (see BuildOptions.onEditedPagesWritten); their output files, or none when more than
 * EDITED_PAGES_FIRST articles were analysed.
 */
async function writeEditedPagesFirst(
  project: Project,
  staging: string,
  written: (staging: string, sitePaths: string[]) => void,
): Promise<Set<string>> {
  const edited = project.analysedIds;
  const files = new Set<string>();
  if (edited.length === 0 || edited.length > EDITED_PAGES_FIRST) return files;
  const started = performance.now();
  const paths = edited.map((id) => routes.article(id));
  for (const sitePath of paths) files.add(outputFile(sitePath));
  useRenderSelection((permalink) => files.has(outputFile(permalink)));
  try {
    await runEleventy(staging, project.config.pathPrefix, true);
  } finally {
    useRenderSelection(null);
  }
  project.timings.edited = Math.round(performance.now() - started);
  written(staging, paths);
  return files;
}

/**
 * Writes what changed into a fresh folder beside the output and publishes it only when everything
 * succeeded (moved into the previous site, or swapped in whole when nothing was kept), so a
 * failed build leaves the previous site exactly as it was.
 */
export async function buildSite(options: BuildOptions): Promise<BuildSummary> {
  const started = performance.now();
  const root = path.resolve(options.root);
  const outDir = path.resolve(options.outDir);
  await checkOutputDir(outDir, root);
  await recoverAbandoned(outDir);
  const manifestPath = manifestFile(root, outDir);
  const previous = options.reuse === false ? null : await readManifest(manifestPath);
  // --no-cache trusts nothing kept from before, the file index's stamps included.
  if (previous && options.cache !== false && !options.changed) {
    const unchanged = await nothingChanged(root, outDir, manifestPath, previous);
    if (unchanged) {
      const milliseconds = Math.round(performance.now() - started);
      return { ...unchanged, milliseconds, timings: { check: milliseconds } };
    }
  }
  // Loaded now that the build will render, while the heap is still small, rather than at the
  // first run, whose stage would then time loading too.
  await loadEleventy();
  useBuildOptions(root, options);
  // Held in a variable that is cleared once the pages are written, so the archive can be freed.
  let project: Project | null = await getProject();
  const { timings, corpus, saveCache } = project;
  const { searchShardPages } = project.config;
  const staging = path.join(
    path.dirname(outDir),
    `.${path.basename(outDir)}-building-${process.pid}`,
  );
  const retired = path.join(
    path.dirname(outDir),
    `.${path.basename(outDir)}-previous-${process.pid}`,
  );
  await rm(staging, { recursive: true, force: true });
  try {
    // `serve`'s builder keeps the shard it re-indexed open instead (see KeepOpen).
    const ahead = options.remember ? null : shardToPrepare(previous, outDir, project.analysedIds);
    if (ahead) await prepareShard(outDir, ahead.index, ahead.files);
    const renderedFirst = options.onEditedPagesWritten
      ? await writeEditedPagesFirst(project, staging, options.onEditedPagesWritten)
      : new Set<string>();
    const planStarted = performance.now();
    const site = await siteDigest(project.config);
    const plan = planOutputs(
      project,
      project.articleDigests,
      site,
      options.remember ? { previous: lastPlan?.root === root ? lastPlan.memory : null } : undefined,
    );
    // A plan depends on its inputs alone, so it serves the next build even if this one fails.
    lastPlan = plan.memory ? { root, memory: plan.memory } : null;
    const inputs = inputsDigest(site, project.kb.digest, project.articleInputs);
    const renderProgress = (options.quiet ? silentProgress : stderrProgress())("render");
    const reused = reusableFiles(plan.outputs, previous, outDir);
    // Written already: kept from before as well, they would be listed twice.
    for (const file of renderedFirst) reused.delete(file);
    // With a previous site, the new files are merged into it, and one written again with the same
    // bytes keeps the published file, its inode and time: also when no page could be kept unseen
    // (after an upgrade, every page is rendered again, most of them as they were), so that a
    // deploy still sends only what changed. With none, the new site is a folder moved into place.
    const merging = previous !== null && existsSync(outDir);
    const exportsKept = merging ? reusableFiles(plan.exports, previous, outDir) : new Set<string>();
    for (const file of exportsKept) reused.add(file);
    timings.plan = Math.round(performance.now() - planStarted);

    const renderStarted = performance.now();
    const batches = renderBatches(
      plan.outputs,
      renderedFirst.size > 0 ? new Set([...reused, ...renderedFirst]) : reused,
      options.batchSize ?? RENDER_BATCH,
    );
    const toRender = batches.reduce((sum, batch) => sum + batch.size, 0);
    let rendered = 0;
    let heapAfterCollection = getHeapStatistics().used_heap_size;
    // Written by streaming after the runs: as pages, each would be held whole in memory.
    const streamedExports = new Set(DATA_EXPORT_PATHS);
    const exportsToWrite = DATA_EXPORT_PATHS.filter((file) => !exportsKept.has(outputFile(file)));
    // Each run is asked about every page of the archive: the answers come from maps made once.
    const runOf = new Map<string, number>();
    for (const [index, batch] of batches.entries())
      for (const file of batch) runOf.set(file, index);
    const fileOf = memoized(outputFile);
    for (const [index, batch] of batches.entries()) {
      // Fixed pages and whole-archive outputs are not in the plan: the last run writes them.
      const last = index === batches.length - 1;
      useRenderSelection((permalink) => {
        const file = fileOf(permalink);
        const run = runOf.get(file);
        if (run !== undefined) return run === index;
        // Planned but in no run: kept from the previous site.
        if (plan.outputs.has(file)) return false;
        return last && !streamedExports.has(permalink);
      });
      try {
        // Eleventy prints its own "Wrote N files" line even in quiet mode; --quiet means silence.
        await runEleventy(staging, project.config.pathPrefix, options.quiet || batches.length > 1);
      } finally {
        useRenderSelection(null);
      }
      rendered += batch.size;
      if (last) {
        timings.render = Math.round(performance.now() - renderStarted);
        // Before the collection below: open pages reload now rather than a tenth of a second
        // later. Each export appears in staging only once complete, so pages shown from there
        // meanwhile never link to half a file.
        options.onPagesWritten?.(staging);
        await saveCache();
      }
      // A run's garbage is held by its promises until the event loop turns. Since pages are
      // handed to Eleventy as bytes, little of it is in V8's heap, and V8's own incremental
      // collections keep up (at 10,000 articles the heap stayed under 400 MB); a collection
      // forced after every run walked the whole archive each time, a quarter of the render.
      // It is forced only where V8 has let the heap grow well past what the last one left.
      // After the last run, only when exports are streamed next: otherwise the collection below,
      // once the archive is released, follows at once and would walk the whole heap again.
      await setImmediate();
      if (
        (!last || exportsToWrite.length > 0) &&
        getHeapStatistics().used_heap_size - heapAfterCollection > RENDER_GARBAGE_BOUND
      ) {
        collectGarbage();
        heapAfterCollection = getHeapStatistics().used_heap_size;
      }
      renderProgress(rendered, toRender);
    }
    const exportsStarted = performance.now();
    const exportsWritten =
      exportsToWrite.length > 0
        ? await writeChangedExports(
            exportsToWrite,
            { staging, outDir, manifestPath },
            project,
            plan,
            previous,
          )
        : null;
    timings.exports = Math.round(performance.now() - exportsStarted);

    // Counted through `project` rather than a local `archive`: a local would keep the archive
    // alive until the build returns, through the whole search stage below.
    const counted = archiveCounts(project.archive);
    const expectedSearchPages = indexedPageCount(project.archive);
    // The pages are written: the archive's memory goes back before Pagefind's process starts,
    // which keeps the two from adding up.
    releaseProject();
    project = null;
    // The last run's promises still hold its pages until the event loop turns.
    await setImmediate();
    const heldBefore = getHeapStatistics().used_heap_size;
    collectGarbage();
    // V8 hands freed pages back to the system on a later collection: worth one more only after a
    // large release (a whole build's archive), not for the little a rebuild frees, where it
    // returned 14 MB for 0.14 s at 10,000 articles.
    if (heldBefore - getHeapStatistics().used_heap_size > RETURN_PAGES_AFTER) collectGarbage();
    const searchStarted = performance.now();
    // Builds before 2026-11-30 kept links to the pages for Pagefind here, now read one by one.
    await rm(path.join(path.dirname(outDir), `.${path.basename(outDir)}-search-links`), {
      recursive: true,
      force: true,
    });
    const search = await indexShards(plan.search, expectedSearchPages, searchShardPages, {
      previous,
      outDir,
      staging,
      merging,
      keepOpen: options.remember === true,
      // Merging, a kept page is in the previous site only; everything else was written to staging.
      pageAt: (file) => path.join(merging && reused.has(file) ? outDir : staging, file),
      rewritten: (file) => !reused.has(file),
    });
    timings.search = Math.round(performance.now() - searchStarted);
    const publishStarted = performance.now();
    const keptSearchFiles = new Set(search.keptFiles);
    let siteFiles: string[];
    let siteChanges: SiteChanges | null = null;
    if (merging) {
      // A merge cut short leaves a mix of old and new files: without a record, the next build
      // trusts none of them.
      await rm(manifestPath, { force: true });
      const merged = await mergeIntoSite(staging, outDir, new Set([...reused, ...keptSearchFiles]));
      siteFiles = merged.files;
      siteChanges = merged.changes;
      // What is left in staging is the files written again with the bytes they had: publishing
      // ends when they are gone (tens of thousands after a change that renders every page).
      await rm(staging, { recursive: true, force: true });
    } else {
      siteFiles = await filesUnder(staging);
      const hadPrevious = existsSync(outDir) && (await stat(outDir)).isDirectory();
      if (hadPrevious) await rename(outDir, retired);
      await rename(staging, outDir);
      if (hadPrevious) await rm(retired, { recursive: true, force: true });
    }
    const siteCounts: SiteCounts = {
      ...counted,
      pages: siteFiles.filter((file) => file.endsWith(".html")).length,
      files: siteFiles.length,
      searchPages: search.pages,
    };
    const recorded = await recordFiles(
      new Map([...plan.outputs, ...plan.exports]),
      outDir,
      reused,
      previous,
    );
    await writeManifest(manifestPath, outDir, {
      files: recorded,
      searchShards: search.shards,
      inputs,
      counts: siteCounts,
      others: recordOtherFiles(outDir, siteFiles, recorded, keptSearchFiles, previous),
    });
    // After the manifest: layouts name the signature of the export they describe, and until the
    // manifest records that export, they describe none.
    if (exportsWritten) {
      await writeExportLayouts(exportLayoutsFile(manifestPath), exportsWritten.layouts);
    }
    await saveRelatedMemory(root);
    timings.publish = Math.round(performance.now() - publishStarted);
    return {
      ...siteCounts,
      searchShards: search.shards.length,
      searchShardsReused: search.reused,
      ...(search.updated > 0 && { searchShardsUpdated: search.updated }),
      ...(search.prepared > 0 && { searchShardsPrepared: search.prepared }),
      pagesReused: reused.size,
      ...(siteChanges && { siteChanges }),
      ...(exportsWritten && { exports: exportsWritten.counts }),
      corpus,
      milliseconds: Math.round(performance.now() - started),
      timings,
    };
  } finally {
    // Also when the build failed: a held project would hide the next build's content changes,
    // and what it analysed is worth keeping.
    releaseProject();
    await dropPreparedShard();
    // A failure to write it only makes the next build slower: the build's own error is reported.
    await saveCache().catch(() => {});
    await rm(staging, { recursive: true, force: true });
  }
}

/**
 * Writes the data exports at `sitePaths` into `staging`, copying the bodies of unchanged items
 * from the published exports that are still as the previous build recorded them (an edit that
 * adds one mention leaves all but a few hundred bytes of ~90 MB as they were at 10,000 articles).
 * Returns the layouts of every export the site will hold, for the next build, and what it wrote.
 */
async function writeChangedExports(
  sitePaths: readonly string[],
  folders: { staging: string; outDir: string; manifestPath: string },
  project: Project,
  plan: RenderPlan,
  previous: SiteManifest | null,
): Promise<{ layouts: StoredLayouts; counts: ExportsWritten }> {
  const { staging, outDir, manifestPath } = folders;
  const stored = previous
    ? await readExportLayouts(exportLayoutsFile(manifestPath))
    : (new Map() as StoredLayouts);
  const sources = new Map<string, PreviousExport>();
  for (const sitePath of sitePaths) {
    const layout = stored.get(sitePath);
    const recorded = previous?.files[outputFile(sitePath)];
    const published = path.join(outDir, outputFile(sitePath));
    if (
      layout &&
      recorded &&
      layout.signature === recorded.signature &&
      layout.size === recorded.size &&
      stillAsRecorded(published, recorded) &&
      layoutFits(sitePath, layout)
    ) {
      sources.set(sitePath, { file: published, layout });
    }
  }
  const written = await writeDataExports(
    staging,
    project.archive,
    project.kb,
    project.config,
    sitePaths,
    { inputs: plan.exportInputs, previous: sources },
  );
  const layouts: StoredLayouts = new Map();
  for (const sitePath of DATA_EXPORT_PATHS) {
    const signature = plan.exports.get(outputFile(sitePath)) ?? "";
    const kept = stored.get(sitePath);
    const layout =
      written.get(sitePath)?.layout ?? (kept?.signature === signature ? kept : undefined);
    if (layout) layouts.set(sitePath, { ...layout, signature });
  }
  const counts: ExportsWritten = { written: written.size, bytes: 0, copied: 0 };
  for (const { layout, copied } of written.values()) {
    counts.bytes += layout.size;
    counts.copied += copied;
  }
  return { layouts, counts };
}

/**
 * For `serve`'s builder, after a first build that had nothing to do: reads the article cache
 * into memory, indexes the archive once (kept as it is released, for the first edit to update),
 * and loads Eleventy and the analyzer, while the builder waits for the first change. That change
 * then rebuilds nearly as fast as the ones after it, instead of first reading the cache from
 * disk (~2 s more at 10,000 articles).
 */
export async function prepareNextBuild(options: Pick<BuildOptions, "root" | "workers">) {
  useBuildOptions(path.resolve(options.root), { ...options, quiet: true, remember: true });
  try {
    await loadEleventy();
    const project = await getProject();
    // An article saved since the check was analysed by this load: kept on disk too.
    await project.saveCache();
    // The first edit's article is analysed in this thread, with an analyzer made once per
    // knowledge base.
    prepareAnalysis(project.kb);
  } catch {
    // Whatever failed here fails again in the next build, which reports it.
  } finally {
    releaseProject();
  }
  // What loading and indexing left behind is garbage: collected now, not during the next build.
  collectGarbage();
}

/**
 * The summary of a build with nothing to do (see unchanged.ts): the last build's, with every file
 * kept; null when anything it was made from, or any file it wrote, is not as it was.
 */
async function nothingChanged(
  root: string,
  outDir: string,
  manifestPath: string,
  previous: SiteManifest,
): Promise<Omit<BuildSummary, "milliseconds" | "timings"> | null> {
  const { counts } = previous;
  if (!counts || !previous.inputs) return null;
  if ((await currentInputs(root)) !== previous.inputs) return null;
  if (!(await siteIntact(outDir, previous))) return null;
  await pruneManifests(path.dirname(manifestPath), manifestPath);
  const shards = previous.searchShards.length;
  return {
    ...counts,
    searchShards: shards,
    searchShardsReused: shards,
    pagesReused: counts.files,
    corpus: {
      files: counts.articles,
      cached: counts.articles,
      unaffected: 0,
      recalled: 0,
      analysed: 0,
      workers: 0,
      remembered: false,
    },
    unchanged: true,
  };
}

interface ShardSites {
  previous: SiteManifest | null;
  outDir: string;
  /** Where the new site is written: whole, or only its new files when `merging`. */
  staging: string;
  merging: boolean;
  /** Where a page of the new site is to be read. */
  pageAt: (file: string) => string;
  /** Leave a single re-indexed shard open for the next build (see KeepOpen). */
  keepOpen: boolean;
  /** Whether a page was written by this build rather than kept from the previous site. */
  rewritten: (file: string) => boolean;
}

/**
 * The search shard worth indexing ahead from the published site's pages (see prepareShard): the
 * one holding the pages of the articles analysed again, when they are few, all in one shard, and
 * already in it (an edit, not an addition). A guess the plan confirms or overrules: a shard whose
 * pages turn out otherwise is dropped, and its job indexed afresh.
 */
function shardToPrepare(
  previous: SiteManifest | null,
  outDir: string,
  edited: readonly string[],
): { index: number; files: string[] } | null {
  if (!previous || edited.length === 0 || edited.length > EDITED_PAGES_FIRST) return null;
  if (!existsSync(outDir)) return null;
  const count = previous.searchShards.length;
  if (count === 0) return null;
  const pages = edited.map((id) => outputFile(routes.article(id)));
  const indexes = new Set(pages.map((page) => shardOf(page, count)));
  const [index] = indexes;
  if (index === undefined || indexes.size > 1) return null;
  const files = previous.searchShards[index]?.files;
  if (!Array.isArray(files) || !files.every((file) => typeof file === "string")) return null;
  const held = new Set(files);
  return pages.every((page) => held.has(page)) ? { index, files } : null;
}

/**
 * The search index in shards, each rebuilt only when one of its pages' indexed text changed (or
 * the number of shards did); the others stay as the previous site has them.
 */
async function indexShards(
  pages: ReadonlyMap<string, string>,
  expectedPages: number,
  perShard: number,
  sites: ShardSites,
): Promise<{
  pages: number;
  reused: number;
  updated: number;
  prepared: number;
  shards: ShardRecord[];
  keptFiles: string[];
}> {
  const { previous, outDir, staging, merging } = sites;
  const count = shardCount(pages.size, perShard);
  if (pages.size !== expectedPages) {
    // The search page merges shardCount(indexedPageCount) shards; a different count here would
    // leave some unmerged.
    throw new Error(`search plans ${pages.size} pages, the search page expects ${expectedPages}`);
  }
  const members: string[][] = Array.from({ length: count }, () => []);
  for (const file of [...pages.keys()].sort()) members[shardOf(file, count)]?.push(file);
  const shards: ShardRecord[] = [];
  const jobs: (ShardJob & { signature: string })[] = [];
  const keptFiles: string[] = [];
  let reused = 0;
  for (const [index, files] of members.entries()) {
    const signature = createHash("sha256")
      .update(files.map((f) => `${f}\0${pages.get(f)}`).join("\0"))
      .digest("hex")
      .slice(0, 32);
    const before =
      previous?.searchShards.length === count ? previous.searchShards[index] : undefined;
    const folder = shardFolder(index);
    // A shard is kept only as the last build wrote it: a file deleted or edited by hand would
    // break searches that reach it.
    const shardFiles =
      before?.signature === signature &&
      existsSync(path.join(outDir, folder, "pagefind-entry.json"))
        ? await filesUnder(path.join(outDir, folder))
        : null;
    if (before && shardFiles && previous && folderIntact(outDir, folder, shardFiles, previous)) {
      if (merging) for (const file of shardFiles) keptFiles.push(`${folder}/${file}`);
      else await linkFiles(shardFiles, path.join(outDir, folder), path.join(staging, folder));
      shards.push({ signature, pages: before.pages, files });
      reused += 1;
    } else {
      // Only a shard that may be kept open compares its pages' hashes with the next build's.
      const digests = sites.keepOpen ? files.map((file) => pages.get(file) ?? "") : undefined;
      jobs.push({ index, files, signature, ...(digests && { digests }) });
      shards.push({ signature, pages: 0, files });
    }
  }
  const open: KeepOpen | null = sites.keepOpen ? { site: outDir, updated: [] } : null;
  const published: PublishedSite | null = merging
    ? { dir: outDir, kept: keptFiles, rewritten: sites.rewritten }
    : null;
  const counted = await buildSearchShards(staging, jobs, sites.pageAt, published, open);
  for (const job of jobs) {
    const record = shards[job.index];
    if (record) record.pages = counted.get(job.index) ?? 0;
  }
  return {
    pages: shards.reduce((sum, shard) => sum + shard.pages, 0),
    reused,
    updated: open?.updated.length ?? 0,
    prepared: published?.fromPrepared === undefined ? 0 : 1,
    shards,
    keptFiles,
  };
}

function archiveCounts(archive: Archive) {
  return {
    articles: archive.articles.length,
    entities: archive.entities.length,
    discovered: archive.entities.filter((e) => e.discovered).length,
    topics: archive.topics.filter((t) => t.articleIds.length > 0).length,
  };
}

function describeCorpus(stats: CorpusStats): string {
  const notes = [
    ...(stats.remembered ? ["held in memory"] : []),
    ...(stats.unaffected > 0
      ? [`${stats.unaffected} out of reach of the knowledge-base edit`]
      : []),
  ];
  const reused = `${stats.cached} of ${stats.files} articles from the cache${notes.length > 0 ? ` (${notes.join("; ")})` : ""}`;
  if (stats.analysed === 0) return reused;
  const threads =
    stats.workers > 0 ? ` in ${stats.workers} worker thread${stats.workers === 1 ? "" : "s"}` : "";
  const recalled = stats.recalled > 0 ? ` (${stats.recalled} sentences not tagged again)` : "";
  return `${reused}, ${stats.analysed} parsed and analysed${threads}${recalled}`;
}

function describeOpenShards(summary: BuildSummary): string {
  const updated = summary.searchShardsUpdated ?? 0;
  const prepared = summary.searchShardsPrepared ?? 0;
  return [
    updated > 0 ? `, ${updated} updated in the index kept open` : "",
    prepared > 0 ? `, ${prepared} indexed ahead from the published pages` : "",
  ].join("");
}

function describeExports(exports: ExportsWritten | undefined): string {
  if (!exports) return "; data exports kept";
  const share = exports.bytes > 0 ? Math.floor((100 * exports.copied) / exports.bytes) : 0;
  return `; ${exports.written} of ${DATA_EXPORT_PATHS.length} data exports written, ${share}% of their bytes copied from the previous ones`;
}

function describeSiteChanges(changes: SiteChanges | undefined): string {
  if (!changes) return "";
  return `, ${changes.changed} written over or added to it and ${changes.deleted} deleted from it`;
}

export function formatBuildSummary(summary: BuildSummary): string {
  if (summary.unchanged) {
    return [
      `Nothing changed since the last build of these ${summary.pages} pages (${summary.files} files): checked in ${(summary.milliseconds / 1000).toFixed(1)} s`,
      `  ${summary.articles} articles, ${summary.entities} entities (${summary.discovered} automatically detected), ${summary.topics} topics, ${summary.searchPages} pages in the search index`,
      `  nothing read but the articles' stamps, the knowledge base and the settings; ${summary.pagesReused} files kept from the previous build; search ${summary.searchShardsReused} of ${summary.searchShards} index shards kept`,
    ].join("\n");
  }
  const stages = Object.entries(summary.timings)
    .map(([stage, ms]) => `${stage} ${ms} ms`)
    .join(", ");
  return [
    `Built ${summary.pages} pages (${summary.files} files) in ${(summary.milliseconds / 1000).toFixed(1)} s`,
    `  ${summary.articles} articles, ${summary.entities} entities (${summary.discovered} automatically detected), ${summary.topics} topics, ${summary.searchPages} pages in the search index`,
    `  ${describeCorpus(summary.corpus)}; ${summary.pagesReused} files kept from the previous build${describeSiteChanges(summary.siteChanges)}; search ${summary.searchShardsReused} of ${summary.searchShards} index shards kept${describeOpenShards(summary)}${describeExports(summary.exports)}`,
    `  ${stages}`,
  ].join("\n");
}
