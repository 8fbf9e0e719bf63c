import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import path from "node:path";
import { hasGnuTime } from "./measure.ts";

/** Results of one corpus size, as written to results.json. */
export interface StageResult {
  /** Wall time of the stage itself (inside its process, start-up excluded). */
  ms: number | null;
  /** Peak RSS in MB of the stage alone, or of the process tree where noted. */
  peakMb: number | null;
  /** Why the stage has no figure: not written yet, or failed. */
  unavailable?: string;
  /** Shown in place of the peak when the stage has none of its own (where it was timed). */
  note?: string;
  detail?: Record<string, unknown>;
}

export interface BaselineResult {
  ms: number | null;
  peakMb: number | null;
  pages: number;
  avgPageKb: number | null;
  unavailable?: string;
  /** Every round's time, when the bench built more than once (`ms` is the fastest). */
  roundsMs?: (number | null)[];
}

export interface SizeResult {
  articles: number;
  seed: number;
  /** Distinct entities named in the corpus, and how many the knowledge-base copy lists. */
  corpusEntities: number;
  knowledgeBaseEntities: number;
  pages: number | null;
  files: number | null;
  stages: Record<string, StageResult>;
  /** buildSite as one process: wall time with start-up, peak RSS of the tree (Pagefind included). */
  build: StageResult;
  msPerPage: number | null;
  eleventy: BaselineResult;
  hugo: BaselineResult;
  searchIndexBytesPerArticle: number | null;
  avgPageKb: number | null;
}

/**
 * The rebuilds the bench times, in this order, each in a fresh process over the site just built:
 * with nothing changed; after one article gains a sentence naming nobody (its data exports stay
 * as they are); after another gains a sentence naming an entity (every export changes).
 */
export const REBUILDS = [
  { key: "rebuildNoChange", label: "nothing changed" },
  { key: "rebuildOneArticle", label: "one article changed" },
  { key: "rebuildMention", label: "one article gains a mention" },
  { key: "rebuildKnowledge", label: "a detected entity joins the knowledge base" },
] as const;

/** How many saves `npm start` is timed over; its rows give the median. */
export const SERVE_EDITS = 3;

/**
 * `npm start` over the site just built (see timeServeEdits): from a save of one article to its
 * open page reloading, to every other page reloading, and to the build's end.
 */
export const SERVE_ROWS = [
  {
    key: "serveEdited",
    label: `**npm start, one article changed: its page reloads** (median of ${SERVE_EDITS} saves)`,
  },
  { key: "serveEvery", label: "**npm start: every other page reloads**" },
  { key: "serveEnd", label: "**npm start: the build ends, search included**" },
] as const;

export const STAGE_ROWS: { key: string; label: string }[] = [
  { key: "import", label: "import (raw → Markdown)" },
  { key: "parse", label: "parse (records.loadArticles)" },
  { key: "extract", label: "extract (loadKnowledgeBase + analyzeCorpus)" },
  { key: "prepare", label: "prepare (archive.prepareArticle: body HTML, lead, sentences)" },
  { key: "index", label: "index (archive.buildArchive)" },
  { key: "related", label: "related() for every article" },
  { key: "articles", label: "parse + extract inside buildSite (empty cache, worker threads)" },
  { key: "plan", label: "page plan (hash of each page's inputs, inside buildSite)" },
  { key: "render", label: "render (Eleventy in batches, inside buildSite)" },
  { key: "exports", label: "data exports (JSON and CSV, streamed, inside buildSite)" },
  { key: "search", label: "search (Pagefind shards, inside buildSite)" },
  { key: "searchAlone", label: "search alone (Pagefind, one index, own process)" },
  ...REBUILDS.map(({ key, label }) => ({ key, label: `**rebuild, ${label}** (own process)` })),
  ...SERVE_ROWS,
];

const seconds = (ms: number | null | undefined) =>
  ms === null || ms === undefined ? "n/a" : (ms / 1000).toFixed(ms < 10_000 ? 2 : 1);
const mb = (n: number | null | undefined) => (n === null || n === undefined ? "n/a" : `${n}`);
const ratio = (a: number | null, b: number | null) =>
  a === null || b === null || b === 0 ? "n/a" : `${(a / b).toFixed(2)}×`;

function tableLines(head: string[], rows: string[][]): string[] {
  return [
    `| ${head.join(" | ")} |`,
    `|${head.map(() => " --- ").join("|")}|`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ];
}

export function summaryTable(results: SizeResult[]): string {
  const head = [
    "articles",
    "pages written",
    "ours: build s",
    "peak MB",
    "ms/page",
    "Eleventy s (pages)",
    "ours ÷ Eleventy",
    "Hugo s (pages)",
    "ours ÷ Hugo",
    "search index B/article",
    "avg page KB",
  ];
  const rows = results.map((r) => [
    String(r.articles),
    r.pages === null ? "n/a" : String(r.pages),
    seconds(r.build.ms),
    mb(r.build.peakMb),
    r.msPerPage === null ? "n/a" : r.msPerPage.toFixed(2),
    r.eleventy.ms === null ? "n/a" : `${seconds(r.eleventy.ms)} (${r.eleventy.pages})`,
    ratio(r.build.ms, r.eleventy.ms),
    r.hugo.ms === null ? "n/a" : `${seconds(r.hugo.ms)} (${r.hugo.pages})`,
    ratio(r.build.ms, r.hugo.ms),
    r.searchIndexBytesPerArticle === null ? "n/a" : String(r.searchIndexBytesPerArticle),
    r.avgPageKb === null ? "n/a" : r.avgPageKb.toFixed(1),
  ]);
  return tableLines(head, rows).join("\n");
}

/**
 * The fastest of a tool's rounds, with the highest peak of them (a round that ran faster did not
 * need less memory), and every round's time. A failed round fails the whole result.
 */
export function fastestRound<
  T extends { ms: number | null; peakMb: number | null; unavailable?: string },
>(results: T[]): T & { roundsMs: (number | null)[] } {
  const roundsMs = results.map((r) => r.ms);
  const failed = results.find((r) => r.ms === null);
  if (failed) return { ...failed, roundsMs };
  const best = results.reduce((a, b) => ((b.ms as number) < (a.ms as number) ? b : a));
  const peaks = results.flatMap((r) => (r.peakMb === null ? [] : [r.peakMb]));
  return { ...best, peakMb: peaks.length > 0 ? Math.max(...peaks) : null, roundsMs };
}

/** Each tool's time in every round of the whole build, when there was more than one. */
export function roundsNote(results: SizeResult[], rounds: number): string {
  if (rounds < 2) return "";
  const list = (values: unknown) =>
    Array.isArray(values) ? values.map((ms) => seconds(ms as number | null)).join(", ") : "n/a";
  const sizes = results.map(
    (r) =>
      `${r.articles}: ours ${list(r.build.detail?.roundsMs)}; Eleventy ${list(r.eleventy.roundsMs)}; Hugo ${list(r.hugo.roundsMs)}.`,
  );
  return `Each tool built each size ${rounds} times from nothing, in turn (ours, Eleventy, Hugo, then again); the table has the fastest of each tool's rounds and the highest of their peaks. Seconds, round by round: ${sizes.join(" ")}`;
}

/**
 * One row per stage, one column per size; with two or more sizes, how much the time grew
 * against how much the corpus grew (1.0 = linear).
 */
export function stageTable(results: SizeResult[]): string {
  const first = results[0];
  const last = results[results.length - 1];
  const growth = first && last && last.articles > first.articles;
  const head = [
    "stage",
    ...results.map((r) => `${r.articles}: s (peak MB)`),
    ...(growth ? [`time growth ÷ size growth (${first.articles}→${last.articles})`] : []),
  ];
  const cell = (s: StageResult | undefined) =>
    !s || s.ms === null
      ? `n/a${s?.unavailable ? ` (${s.unavailable.slice(0, 60)})` : ""}`
      : `${seconds(s.ms)} (${s.note ?? (s.peakMb === null ? "in total" : mb(s.peakMb))})`;
  const growthCell = (pick: (r: SizeResult) => StageResult | undefined) => {
    if (!growth) return [];
    const a = pick(first)?.ms;
    const b = pick(last)?.ms;
    if (!a || !b) return ["n/a"];
    return [(b / a / (last.articles / first.articles)).toFixed(2)];
  };
  const rows = STAGE_ROWS.map(({ key, label }) => [
    label,
    ...results.map((r) => cell(r.stages[key])),
    ...growthCell((r) => r.stages[key]),
  ]);
  rows.push([
    "**buildSite total** (own process, start-up included)",
    ...results.map((r) => cell(r.build)),
    ...growthCell((r) => r.build),
  ]);
  rows.push([
    "Eleventy baseline (tag pages)",
    ...results.map((r) => cell(r.eleventy)),
    ...growthCell((r) => r.eleventy),
  ]);
  rows.push([
    "Hugo baseline (entities taxonomy)",
    ...results.map((r) => cell(r.hugo)),
    ...growthCell((r) => r.hugo),
  ]);
  return tableLines(head, rows).join("\n");
}

/** The stages a rebuild reports, in the order buildSite runs them. */
const REBUILD_STAGES = [
  "knowledge",
  "articles",
  "index",
  "plan",
  "render",
  "exports",
  "search",
  "publish",
];

/**
 * Where each rebuild's time went, from buildSite's own timings: what a change costs, stage by
 * stage, and how much of the previous site it kept.
 */
export function rebuildTable(results: SizeResult[]): string {
  const head = [
    "articles",
    "rebuild",
    "total s",
    ...REBUILD_STAGES.map((stage) => `${stage} s`),
    "files kept",
    "shards kept",
  ];
  const rows: string[][] = [];
  for (const r of results) {
    for (const { key, label } of [...REBUILDS]) {
      const stage = r.stages[key];
      const detail = stage?.detail ?? {};
      const timings = (detail.timings ?? {}) as Record<string, number | undefined>;
      const count = (value: unknown) => (typeof value === "number" ? String(value) : "n/a");
      rows.push([
        String(r.articles),
        label,
        seconds(stage?.ms),
        ...REBUILD_STAGES.map((name) => seconds(timings[name])),
        count(detail.pagesReused),
        typeof detail.searchShardsReused === "number" && typeof detail.searchShards === "number"
          ? `${detail.searchShardsReused} of ${detail.searchShards}`
          : "n/a",
      ]);
    }
  }
  return tableLines(head, rows).join("\n");
}

function firstMatch(file: string, pattern: RegExp): string | null {
  try {
    return pattern.exec(readFileSync(file, "utf8"))?.[1]?.trim() ?? null;
  } catch {
    return null;
  }
}

function commandVersion(command: string, args: string[]): string | null {
  try {
    return execFileSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] })
      .trim()
      .split("\n")[0] as string;
  } catch {
    return null;
  }
}

export interface Machine {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  eleventy: string | null;
  pagefind: string | null;
  hugo: string | null;
  peakMemorySource: string;
}

export function describeMachine(repo: string): Machine {
  const memKb = Number(firstMatch("/proc/meminfo", /^MemTotal:\s+(\d+)/m) ?? 0);
  const version = (pkg: string) =>
    firstMatch(path.join(repo, "node_modules", pkg, "package.json"), /"version":\s*"([^"]+)"/);
  return {
    cpus: availableParallelism(),
    cpuModel: firstMatch("/proc/cpuinfo", /^model name\s*:(.*)$/m) ?? "unknown",
    memoryGiB: Math.round((memKb / 1024 / 1024) * 10) / 10,
    node: process.version,
    eleventy: version("@11ty/eleventy"),
    pagefind: version("pagefind"),
    hugo: commandVersion("hugo", ["version"]),
    peakMemorySource: `per stage: VmHWM after resetting it through /proc/self/clear_refs; per process tree: the larger of ${hasGnuTime ? "/usr/bin/time -v (largest single process)" : "nothing exact (GNU time missing)"} and the summed RSS of the tree sampled every 250 ms`,
  };
}

export function machineLines(m: Machine): string {
  return [
    `- Machine: ${m.cpus} CPUs (nproc), ${m.cpuModel}, ${m.memoryGiB} GiB RAM`,
    `- Node ${m.node}; Eleventy ${m.eleventy ?? "missing"}; Pagefind ${m.pagefind ?? "missing"}; Hugo ${m.hugo ?? "not installed"}`,
    `- Peak memory: ${m.peakMemorySource}`,
  ].join("\n");
}
