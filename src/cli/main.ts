import path from "node:path";
import { parseArgs } from "node:util";
import { ContentError } from "../records/index.ts";
import { SearchIndexerStopped } from "../site/search.ts";
import { PortInUseError } from "../site/serve.ts";

const HELP = `news-archive: build a static news archive from scraped articles

Usage:
  news-archive import <files or folders…> [--force] [--content DIR]
      Turn raw scraped text into Markdown articles under content/articles/.
      An article an editor has changed is skipped unless --force is given.
  news-archive build [--out DIR] [--root DIR] [--quiet] [--no-cache] [--workers N] [--batch-size N]
      Validate content, extract entities and topics, and write the site to dist/.
      --root names the folder holding content/ (default: the current folder).
      Articles already parsed and analysed are reused from <root>/.cache, and pages whose inputs
      did not change are kept from the previous build, unless --no-cache;
      --workers sets the threads that analyse the rest (default: one per core, 0: none).
      --batch-size sets the pages per Eleventy run (default 1000): lower uses less memory.
      A failed build leaves the previous dist/ as it was.
  news-archive serve [--port N] [--root DIR] [--out DIR]
      Build as \`build\` does, serve the site on 127.0.0.1 (default port 8080) and rebuild it
      whenever content or templates change, reloading open pages; a failed build keeps the
      previous site served and shows the error on its pages. Builds run in a builder process
      (\`news-archive builder\`) that stays between builds, with the article cache in memory.
  news-archive preview [--port N] [--root DIR] [--out DIR]
      Serve a built site as a static host would (404 page included).
  news-archive review [list | promote ID | merge ID --into ENTITY | reject ID]
      Review entities detected automatically and decide what the knowledge base keeps.
  news-archive eval [gold.json…]
      Score extraction against gold annotations (default: ../shared/seeds/gold/seeds.json).
`;

/** The options naming the project folder and the site folder, shared by the commands that build or serve. */
const FOLDER_OPTIONS = {
  root: { type: "string", default: "." },
  out: { type: "string", default: "dist" },
} as const;

/** Runs one command; returns the process exit code. */
export async function main(argv: string[], root = process.cwd()): Promise<number> {
  const [command, ...rest] = argv;
  const folders = (values: { root: string; out: string }) => ({
    root: path.resolve(root, values.root),
    outDir: path.resolve(root, values.out),
  });
  try {
    switch (command) {
      case "import": {
        const { values, positionals } = parseArgs({
          args: rest,
          allowPositionals: true,
          options: {
            force: { type: "boolean", default: false },
            content: { type: "string", default: "content" },
          },
        });
        if (positionals.length === 0) {
          console.error("news-archive import: name at least one raw file or folder");
          return 2;
        }
        const { importArticles, formatImportReport } = await import("../ingest/index.ts");
        const report = await importArticles(positionals, {
          contentDir: path.resolve(root, values.content, "articles"),
          force: values.force,
          root,
        });
        console.log(formatImportReport(report));
        return report.failed.length > 0 ? 1 : 0;
      }
      case "build": {
        const { values } = parseArgs({
          args: rest,
          options: {
            ...FOLDER_OPTIONS,
            quiet: { type: "boolean", default: false },
            "no-cache": { type: "boolean", default: false },
            workers: { type: "string", default: "auto" },
            "batch-size": { type: "string" },
          },
        });
        const workers = values.workers === "auto" ? "auto" : Number(values.workers);
        if (workers !== "auto" && !(Number.isInteger(workers) && workers >= 0)) {
          console.error(
            `news-archive build: --workers takes a whole number or auto, not "${values.workers}"`,
          );
          return 2;
        }
        const batchSize =
          values["batch-size"] === undefined ? undefined : Number(values["batch-size"]);
        if (batchSize !== undefined && !(Number.isInteger(batchSize) && batchSize > 0)) {
          console.error(
            `news-archive build: --batch-size takes a whole number above 0, not "${values["batch-size"]}"`,
          );
          return 2;
        }
        const { buildSite, formatBuildSummary } = await import("../site/index.ts");
        const summary = await buildSite({
          ...folders(values),
          quiet: values.quiet,
          cache: !values["no-cache"],
          reuse: !values["no-cache"],
          workers,
          ...(batchSize ? { batchSize } : {}),
        });
        if (!values.quiet) console.log(formatBuildSummary(summary));
        return 0;
      }
      case "serve":
      case "preview": {
        const { values } = parseArgs({
          args: rest,
          options: { ...FOLDER_OPTIONS, port: { type: "string", default: "8080" } },
        });
        const port = Number(values.port);
        if (!(Number.isInteger(port) && port >= 0 && port < 65536)) {
          console.error(
            `news-archive ${command}: --port takes a port number, not "${values.port}"`,
          );
          return 2;
        }
        const { serve, preview } = await import("../site/index.ts");
        const site = { ...folders(values), port };
        return command === "serve" ? await serve(site) : await preview(site);
      }
      case "builder": {
        const { values } = parseArgs({ args: rest, options: FOLDER_OPTIONS });
        const { runBuilder } = await import("../site/dev.ts");
        return await runBuilder(folders(values));
      }
      case "review": {
        const { review } = await import("../knowledge/review.ts");
        const { reviewCandidates } = await import("../archive/index.ts");
        const { stderrProgress } = await import("../site/progress.ts");
        const progress = stderrProgress()("articles");
        return await review(rest, { root, candidates: () => reviewCandidates(root, progress) });
      }
      case "eval": {
        const { runEval } = await import("../eval/index.ts");
        return await runEval(rest, { root });
      }
      case undefined:
      case "help":
      case "--help":
      case "-h":
        console.log(HELP);
        return command === undefined ? 2 : 0;
      default:
        console.error(`news-archive: unknown command "${command}"\n\n${HELP}`);
        return 2;
    }
  } catch (error) {
    if (
      error instanceof ContentError ||
      error instanceof PortInUseError ||
      error instanceof SearchIndexerStopped
    ) {
      console.error(`news-archive ${command}: ${error.message}`);
      return 1;
    }
    if (
      error instanceof TypeError &&
      "code" in error &&
      String(error.code).startsWith("ERR_PARSE_ARGS")
    ) {
      console.error(`news-archive ${command}: ${error.message}\n\n${HELP}`);
      return 2;
    }
    throw error;
  }
}
