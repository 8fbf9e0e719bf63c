import { execFileSync } from "node:child_process";
import {
  appendFile,
  cp,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { writeEleventyProject, writeHugoProject } from "./baselines.ts";
import { generateCorpus, writeBenchProject, writeRawCorpus } from "./corpus.ts";
import { type Measured, measure, type StageLine } from "./measure.ts";
import { formatSeconds, progressReporter } from "./progress.ts";
import {
  type BaselineResult,
  describeMachine,
  fastestRound,
  machineLines,
  REBUILDS,
  rebuildTable,
  roundsNote,
  SERVE_EDITS,
  SERVE_ROWS,
  type SizeResult,
  type StageResult,
  stageTable,
  summaryTable,
} from "./report.ts";
import { type ServeEdit, type ServeTiming, timeServeEdits } from "./serve-timing.ts";

/**
 * `npm run bench -- --articles 1000,10000 [--seed N] [--rounds N] [--quiet] [--keep]`
 *
 * For each size: a seeded synthetic corpus of raw articles in a temporary project (with a copy of
 * the repository's knowledge base plus the corpus's own entities), then the real pipeline stage by
 * stage in child processes (import; parse, extract, index; the whole buildSite; rebuilds; `npm
 * start` saving one article; Pagefind alone),
 * then a plain Eleventy tag-page site and a Hugo taxonomy site of the same pages, so our time is a
 * ratio measured in the same run on the same machine; then those three whole builds again, from
 * nothing, `--rounds` times in all (default 2), each tool's fastest round counting.
 * Results: bench/out/results.{md,json}.
 */

const REPO = path.resolve(import.meta.dirname, "..");
const OUT = path.join(REPO, "bench", "out");
const YOUNG_GENERATION = "--max-semi-space-size=32";
const TSX_LOADER = import.meta.resolve("tsx");
const STAGE = path.join(REPO, "bench", "stage.ts");
const ELEVENTY = path.join(REPO, "node_modules", "@11ty", "eleventy", "cmd.cjs");

const { values } = parseArgs({
  options: {
    articles: { type: "string", default: "1000" },
    seed: { type: "string", default: "1" },
    quiet: { type: "boolean", default: false },
    keep: { type: "boolean", default: false },
    rounds: { type: "string", default: "2" },
  },
});
const sizes = values.articles.split(",").map((s) => Number(s.trim()));
if (sizes.some((n) => !Number.isInteger(n) || n < 1)) {
  console.error(`--articles takes whole numbers separated by commas, not "${values.articles}"`);
  process.exit(2);
}
const seed = Number(values.seed);
if (!Number.isInteger(seed)) {
  console.error(`--seed takes a whole number, not "${values.seed}"`);
  process.exit(2);
}
const rounds = Number(values.rounds);
if (!Number.isInteger(rounds) || rounds < 1) {
  console.error(`--rounds takes a whole number from 1, not "${values.rounds}"`);
  process.exit(2);
}
const quiet = values.quiet;
const log = (message: string) => {
  if (!quiet) process.stderr.write(`${message}\n`);
};

// The benchmark project sets its own site settings; a developer's environment must not leak in.
for (const name of ["SITE_URL", "PATH_PREFIX", "SITE_TITLE"]) delete process.env[name];

async function countFiles(dir: string, suffix: string): Promise<number> {
  const entries = await readdir(dir, { recursive: true }).catch(() => [] as string[]);
  return entries.filter((e) => e.endsWith(suffix)).length;
}

async function folderSize(
  dir: string,
): Promise<{ bytes: number; html: number; htmlBytes: number }> {
  let bytes = 0;
  let html = 0;
  let htmlBytes = 0;
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const size = (await stat(path.join(entry.parentPath, entry.name))).size;
    bytes += size;
    if (entry.name.endsWith(".html")) {
      html += 1;
      htmlBytes += size;
    }
  }
  return { bytes, html, htmlBytes };
}

/** Counts files a child writes, as progress for steps that report none themselves. */
function filePoll(label: string, dir: string, suffix: string, total: number, unit: string) {
  const report = progressReporter(label, quiet, unit);
  return async () => report(await countFiles(dir, suffix), total);
}

function stageResult(line: StageLine | undefined, process: Measured, name: string): StageResult {
  if (line && typeof line.ms === "number") {
    const { stage: _, ms, peakMb, unavailable: __, ...detail } = line;
    return { ms, peakMb: typeof peakMb === "number" ? peakMb : null, detail };
  }
  const reason =
    line?.unavailable ??
    (process.ok
      ? "stage printed no result"
      : `failed: ${process.errorTail.trim().split("\n").slice(-3).join(" ").slice(0, 300)}`);
  log(`  ${name}: n/a — ${reason}`);
  return { ms: null, peakMb: null, unavailable: reason };
}

async function runStages(
  args: string[],
  names: string[],
  cwd: string,
  poll?: () => Promise<void>,
): Promise<{ process: Measured; stages: Record<string, StageResult> }> {
  // Run as `npm run build` runs: one node process with the same young-generation size (see
  // bin/news-archive.js) and tsx's loader registered in it. tsx's command would run the script
  // in a second node process, whose memory and start-up the measurement would then include.
  const child = await measure(
    process.execPath,
    [YOUNG_GENERATION, "--import", TSX_LOADER, STAGE, ...args],
    {
      cwd,
      env: { BENCH_QUIET: quiet ? "1" : "0" },
      forwardStderr: !quiet,
      poll,
    },
  );
  const stages: Record<string, StageResult> = {};
  for (const name of names) {
    stages[name] = stageResult(
      child.stages.find((s) => s.stage === name),
      child,
      name,
    );
  }
  return { process: child, stages };
}

async function baseline(
  name: string,
  command: string,
  args: string[],
  cwd: string,
  outDir: string,
  poll?: () => Promise<void>,
): Promise<BaselineResult> {
  const run = await measure(command, args, { cwd, forwardStderr: false, poll });
  const size = await folderSize(outDir);
  if (!run.ok) {
    const reason = `failed: ${run.errorTail.trim().split("\n").slice(-3).join(" ").slice(0, 300)}`;
    log(`  ${name}: ${reason}`);
    return { ms: null, peakMb: null, pages: size.html, avgPageKb: null, unavailable: reason };
  }
  return {
    ms: run.ms,
    peakMb: run.peakMb,
    pages: size.html,
    avgPageKb: size.html > 0 ? Math.round((size.htmlBytes / size.html / 1024) * 10) / 10 : null,
  };
}

function hugoPath(): string | null {
  try {
    return execFileSync("sh", ["-c", "command -v hugo"], { encoding: "utf8" }).trim() || null;
  } catch {
    return null;
  }
}

/** The `npm start` rows: each the median of its saves, the saves themselves in the detail. */
function serveStages(timing: ServeTiming): Record<string, StageResult> {
  const failed = !timing.firstOk
    ? `first build failed: ${timing.firstError}`
    : timing.edits.find((edit) => !edit.ok)?.error;
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1];
  const row = (pick: (edit: ServeEdit) => number): StageResult => {
    const ms = median(timing.edits.map(pick));
    return failed !== undefined || ms === undefined
      ? { ms: null, peakMb: null, unavailable: failed ?? "no save timed" }
      : { ms, peakMb: null, note: "builder kept", detail: { saves: timing.edits } };
  };
  return {
    serveEdited: row((edit) => edit.editedMs),
    serveEvery: row((edit) => edit.everyMs),
    serveEnd: row((edit) => edit.endMs),
  };
}

/**
 * Work folders are deleted when the whole bench is done: deleting tens of thousands of files
 * slows this VM's disk for a minute or so (see README, "Scaling"), and between sizes that would
 * slow the next size's first builds, ours, and not the baselines.
 */
const finishedWork: string[] = [];

async function benchSize(count: number): Promise<SizeResult> {
  const work = await mkdtemp(path.join(tmpdir(), `news-archive-bench-${count}-`));
  const started = performance.now();
  try {
    log(`\n[${count} articles] generating the corpus (seed ${seed})…`);
    const corpus = generateCorpus(count, { seed });
    const raw = path.join(work, "raw");
    const root = path.join(work, "project");
    const dist = path.join(work, "dist");
    await writeRawCorpus(corpus, raw, progressReporter("write raw files", quiet));
    await writeBenchProject(corpus, root, REPO);
    const corpusEntities = new Set(corpus.articles.flatMap((a) => a.entities.map((e) => e.id)))
      .size;
    const knowledgeBaseEntities = corpus.entities.filter((e) => e.inKnowledgeBase).length;
    log(
      `[${count}] ${corpusEntities} distinct entities named; ${knowledgeBaseEntities} added to the knowledge base`,
    );

    log(`[${count}] import…`);
    const articlesDir = path.join(root, "content", "articles");
    const imported = await runStages(
      ["import", root, raw],
      ["import"],
      REPO,
      filePoll("import", articlesDir, ".md", count, "articles"),
    );
    const stages: Record<string, StageResult> = { ...imported.stages };
    const importOk = stages.import?.ms !== null;

    log(`[${count}] parse, extract, index, related() in one process, each stage measured alone…`);
    const pipelineNames = ["parse", "extract", "prepare", "index", "related"];
    if (importOk)
      Object.assign(stages, (await runStages(["pipeline", root], pipelineNames, REPO)).stages);
    else
      for (const name of pipelineNames)
        stages[name] = { ms: null, peakMb: null, unavailable: "no imported articles" };

    log(`[${count}] buildSite (parse, extract, index, render, search)…`);
    let build: StageResult = { ms: null, peakMb: null, unavailable: "no imported articles" };
    if (importOk) {
      const built = await runStages(["build", root, dist], ["build"], REPO);
      const inProcess = built.stages.build as StageResult;
      if (inProcess.ms !== null) {
        build = {
          ms: built.process.ms,
          peakMb: built.process.peakMb ?? inProcess.peakMb,
          detail: { inProcessMs: inProcess.ms, nodePeakMb: inProcess.peakMb, ...inProcess.detail },
        };
        const timings = (inProcess.detail?.timings ?? {}) as Record<string, number>;
        for (const key of ["articles", "plan", "render", "exports", "search"]) {
          stages[key] =
            typeof timings[key] === "number"
              ? { ms: timings[key], peakMb: null, detail: { from: "buildSite timings" } }
              : { ms: null, peakMb: null, unavailable: "buildSite reports no such timing" };
        }
      } else build = inProcess;
    }
    for (const key of ["articles", "plan", "render", "exports", "search"])
      stages[key] ??= { ms: null, peakMb: null, unavailable: build.unavailable ?? "no build" };

    // Rebuilds over the site just built, each in a fresh process as a user would run them.
    const appendToArticle = async (offset: number, text: string) => {
      const files = (await readdir(articlesDir)).filter((f) => f.endsWith(".md")).sort();
      const target = files[Math.floor(files.length / 2) + offset];
      if (target) await appendFile(path.join(articlesDir, target), text);
    };
    const edits: Record<(typeof REBUILDS)[number]["key"], () => Promise<void>> = {
      rebuildNoChange: async () => {},
      rebuildOneArticle: () =>
        appendToArticle(0, "\nThe correspondent added one more sentence after publication.\n"),
      rebuildMention: () => appendToArticle(1, "\nJens Stoltenberg was not there.\n"),
      // What `news-archive review promote` writes: the first detected entity joins the knowledge
      // base under its id and name, and every article the edit can reach is analysed again.
      rebuildKnowledge: async () => {
        const exported = JSON.parse(
          await readFile(path.join(dist, "data", "entities.json"), "utf8"),
        ) as { entities: { id: string; name: string; kind: string; discovered: boolean }[] };
        const detected = exported.entities.find((e) => e.discovered);
        if (!detected) return;
        await appendFile(
          path.join(root, "content", "knowledge", "entities.yaml"),
          `  - id: ${detected.id}\n    name: ${JSON.stringify(detected.name)}\n    kind: ${detected.kind}\n`,
        );
      },
    };
    for (const { key, label } of REBUILDS) {
      const edit = edits[key];
      if (build.ms === null) {
        stages[key] = { ms: null, peakMb: null, unavailable: "no build" };
        continue;
      }
      await edit();
      log(`[${count}] rebuild, ${label}…`);
      const again = await runStages(["build", root, dist], ["build"], REPO);
      const inProcess = again.stages.build as StageResult;
      stages[key] =
        inProcess.ms === null
          ? inProcess
          : {
              ms: again.process.ms,
              peakMb: again.process.peakMb,
              detail: { inProcessMs: inProcess.ms, ...inProcess.detail },
            };
    }

    // `npm start` over the same site: one builder kept between builds, an editor saving.
    if (build.ms === null) {
      for (const { key } of SERVE_ROWS)
        stages[key] = { ms: null, peakMb: null, unavailable: "no build" };
    } else {
      log(`[${count}] npm start, one article saved ${SERVE_EDITS} times…`);
      Object.assign(stages, serveStages(await timeServeEdits(root, dist, SERVE_EDITS)));
    }

    const site = await folderSize(dist);
    // The first search shard is pagefind/, the others pagefind-shards/<n>/.
    const searchIndex = {
      bytes:
        (await folderSize(path.join(dist, "pagefind"))).bytes +
        (await folderSize(path.join(dist, "pagefind-shards"))).bytes,
    };
    const pages = build.ms !== null ? site.html : null;

    log(`[${count}] plain Eleventy 3 site with tag pages…`);
    const eleventyDir = path.join(work, "eleventy");
    await writeEleventyProject(corpus, eleventyDir);
    const buildEleventy = (output: string) =>
      baseline(
        "Eleventy",
        process.execPath,
        [ELEVENTY, "--input=.", `--output=${output}`, "--quiet"],
        eleventyDir,
        path.join(eleventyDir, output),
        filePoll(
          "Eleventy",
          path.join(eleventyDir, output, "posts"),
          ".html",
          count,
          "article pages",
        ),
      );
    const eleventyRounds = [await buildEleventy("_site")];

    const hugoBin = hugoPath();
    const hugoDir = path.join(work, "hugo");
    const buildHugo = async (output: string): Promise<BaselineResult> =>
      hugoBin
        ? baseline(
            "Hugo",
            hugoBin,
            ["--quiet", "-s", hugoDir, "-d", path.join(hugoDir, output)],
            hugoDir,
            path.join(hugoDir, output),
          )
        : { ms: null, peakMb: null, pages: 0, avgPageKb: null, unavailable: "hugo not installed" };
    if (hugoBin) {
      log(`[${count}] Hugo site with an entities taxonomy…`);
      await writeHugoProject(corpus, hugoDir);
    }
    const hugoRounds = [await buildHugo("public")];

    // The same three builds again, from nothing, in the same order: this VM's speed moves by a
    // third and more from one minute to the next, and the fastest of each tool's rounds is what
    // each tool costs when the machine does not get in its way.
    const buildRounds = [build];
    for (let round = 2; round <= rounds && build.ms !== null; round++) {
      log(
        `[${count}] round ${round} of ${rounds}: our build, Eleventy and Hugo again, from nothing…`,
      );
      // Our build from nothing: no article cache, no related articles, no record of a site.
      await rm(path.join(root, ".cache"), { recursive: true, force: true });
      const again = await runStages(["build", root, `${dist}-${round}`], ["build"], REPO);
      buildRounds.push({ ms: again.process.ms, peakMb: again.process.peakMb });
      eleventyRounds.push(await buildEleventy(`_site-${round}`));
      hugoRounds.push(await buildHugo(`public-${round}`));
    }
    const fastestBuild = fastestRound(buildRounds);
    build = {
      ...build,
      ms: fastestBuild.ms,
      peakMb: fastestBuild.peakMb,
      detail: { ...build.detail, roundsMs: fastestBuild.roundsMs },
    };
    const eleventy = fastestRound(eleventyRounds);
    const hugo = fastestRound(hugoRounds);

    // After the baselines: it copies the site, tens of thousands of files, and the copy is deleted
    // with the work folder when the whole bench is done (see `finishedWork`).
    if (build.ms !== null) {
      log(`[${count}] Pagefind alone on the built site…`);
      // Rebuilt into a copy: the measured index must be the one buildSite wrote.
      const copy = path.join(work, "dist-search");
      await cp(dist, copy, { recursive: true });
      const search = await runStages(["search", copy], ["search"], REPO);
      const alone = search.stages.search as StageResult;
      stages.searchAlone =
        alone.ms === null
          ? alone
          : {
              ...alone,
              peakMb: search.process.peakMb ?? alone.peakMb,
              detail: { ...alone.detail, nodePeakMb: alone.peakMb },
            };
    } else stages.searchAlone = { ms: null, peakMb: null, unavailable: "no build" };

    log(`[${count}] done in ${formatSeconds((performance.now() - started) / 1000)}`);
    return {
      articles: count,
      seed,
      corpusEntities,
      knowledgeBaseEntities,
      pages,
      files: build.ms !== null ? Number(build.detail?.files ?? 0) : null,
      stages,
      build,
      msPerPage: build.ms !== null && pages ? Math.round((build.ms / pages) * 100) / 100 : null,
      eleventy,
      hugo,
      searchIndexBytesPerArticle: build.ms !== null ? Math.round(searchIndex.bytes / count) : null,
      avgPageKb: site.html > 0 ? Math.round((site.htmlBytes / site.html / 1024) * 10) / 10 : null,
    };
  } finally {
    if (values.keep) log(`kept ${work}`);
    else finishedWork.push(work);
  }
}

const machine = describeMachine(REPO);
const results: SizeResult[] = [];
try {
  for (const size of sizes) results.push(await benchSize(size));
} finally {
  for (const work of finishedWork) await rm(work, { recursive: true, force: true });
}

const command = `npm run bench -- --articles ${sizes.join(",")} --seed ${seed}`;
const markdown = [
  "# Benchmark",
  "",
  `Command: \`${command}\``,
  "",
  machineLines(machine),
  "",
  "## Whole build against the baselines",
  "",
  summaryTable(results),
  "",
  roundsNote(results, rounds),
  "",
  "“ours” is buildSite in its own process (start-up included): parse, extract, index, render and search. Baselines build the same articles with the same entity tags: one page per article, one per entity, a home page. Ratios above 1 mean we are slower.",
  "",
  "## Stages",
  "",
  stageTable(results),
  "",
  "Each stage ran in a child process; its peak is the stage's own (VmHWM reset before it). Render and search times come from buildSite's own timings; the peak of buildSite and of Pagefind alone include Pagefind's binary. The npm start rows: the development server started on the site just built, one article saved three times (the first five seconds after it started, each after the previous build ended), times from the save (median), in the builder process it keeps between builds.",
  "",
  "## Rebuilds by stage",
  "",
  rebuildTable(results),
  "",
  "Each rebuild is a fresh process over the site just built (total includes start-up); the stages are buildSite's own timings.",
  "",
].join("\n");
await mkdir(OUT, { recursive: true });
await writeFile(path.join(OUT, "results.md"), markdown);
await writeFile(
  path.join(OUT, "results.json"),
  `${JSON.stringify({ command, machine, results }, null, 2)}\n`,
);
console.log(markdown);
