import { existsSync } from "node:fs";
import { readdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import Eleventy from "@11ty/eleventy";
import type { CorpusStats } from "../archive/index.ts";
import { ContentError } from "../records/index.ts";
import { silentProgress, stderrProgress } from "./progress.ts";
import { getProject, useCorpusOptions, useProgress, useProjectRoot } from "./project.ts";
import { buildSearchIndex } from "./search.ts";

export interface BuildOptions {
  /** Folder holding content/ (articles, knowledge, site.yaml). */
  root: string;
  outDir: string;
  quiet: boolean;
  /** Reuse and keep parsed and analysed articles in <root>/.cache (default true). */
  cache?: boolean;
  /** Worker threads for parsing and analysis: a number (0: none) or "auto" (the default). */
  workers?: number | "auto";
}

export interface BuildSummary {
  articles: number;
  entities: number;
  discovered: number;
  topics: number;
  pages: number;
  files: number;
  searchPages: number;
  milliseconds: number;
  corpus: CorpusStats;
  timings: Record<string, number>;
}

/** Where templates and the Eleventy config live: this package, whatever content root is built. */
export const PACKAGE_ROOT = path.resolve(import.meta.dirname, "..", "..");

async function countFiles(dir: string): Promise<{ files: number; pages: number }> {
  let files = 0;
  let pages = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    files += 1;
    if (entry.name.endsWith(".html")) pages += 1;
  }
  return { files, pages };
}

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

/**
 * Builds into a fresh folder beside the output and swaps it in only when everything succeeded, so
 * a failed build leaves the previous site exactly as it was.
 */
export async function buildSite(options: BuildOptions): Promise<BuildSummary> {
  const started = performance.now();
  const root = path.resolve(options.root);
  const outDir = path.resolve(options.outDir);
  await checkOutputDir(outDir, root);
  useProjectRoot(root);
  useProgress(options.quiet ? silentProgress : stderrProgress());
  useCorpusOptions({ cache: options.cache ?? true, workers: options.workers ?? "auto" });
  const project = await getProject();
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
    const renderStarted = performance.now();
    const eleventy = new Eleventy(path.join(PACKAGE_ROOT, "templates"), staging, {
      configPath: path.join(PACKAGE_ROOT, ".eleventy.ts"),
      quietMode: true,
      pathPrefix: project.config.pathPrefix,
    });
    // Eleventy prints its own "Wrote N files" line even in quiet mode; --quiet means silence.
    if (options.quiet) eleventy.disableLogger();
    await eleventy.write();
    project.timings.render = Math.round(performance.now() - renderStarted);
    const searchStarted = performance.now();
    const search = await buildSearchIndex(staging);
    project.timings.search = Math.round(performance.now() - searchStarted);
    const counts = await countFiles(staging);
    const hadPrevious = existsSync(outDir) && (await stat(outDir)).isDirectory();
    if (hadPrevious) await rename(outDir, retired);
    await rename(staging, outDir);
    if (hadPrevious) await rm(retired, { recursive: true, force: true });
    const { archive } = project;
    return {
      articles: archive.articles.length,
      entities: archive.entities.length,
      discovered: archive.entities.filter((e) => e.discovered).length,
      topics: archive.topics.filter((t) => t.articleIds.length > 0).length,
      pages: counts.pages,
      files: counts.files,
      searchPages: search.pages,
      corpus: project.corpus,
      milliseconds: Math.round(performance.now() - started),
      timings: project.timings,
    };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

function describeCorpus(stats: CorpusStats): string {
  const reused = `${stats.cached} of ${stats.files} articles from the cache`;
  if (stats.analysed === 0) return reused;
  const threads = stats.workers > 0 ? ` in ${stats.workers} worker threads` : "";
  return `${reused}, ${stats.parsed} parsed and ${stats.analysed} analysed${threads}`;
}

export function formatBuildSummary(summary: BuildSummary): string {
  const stages = Object.entries(summary.timings)
    .map(([stage, ms]) => `${stage} ${ms} ms`)
    .join(", ");
  return [
    `Built ${summary.pages} pages (${summary.files} files) in ${(summary.milliseconds / 1000).toFixed(1)} s`,
    `  ${summary.articles} articles, ${summary.entities} entities (${summary.discovered} automatically detected), ${summary.topics} topics, ${summary.searchPages} pages in the search index`,
    `  ${describeCorpus(summary.corpus)}`,
    `  ${stages}`,
  ].join("\n");
}
