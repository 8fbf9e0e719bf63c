import { execFile, spawn } from "node:child_process";
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { cpus, tmpdir, totalmem } from "node:os";
import path from "node:path";
import { parseArgs, promisify } from "node:util";
import { type Corpus, entitiesYaml, generateCorpus, writeRawCorpus } from "./corpus.ts";

/**
 * `npm run bench -- --articles 1000,10000`: the real pipeline on a synthetic corpus, stage by stage,
 * with peak memory, and in the same run a plain Eleventy build with tag pages and (where `hugo`
 * is installed) a Hugo build of the same pages, so results are ratios measured side by side.
 */

const REPO = path.resolve(import.meta.dirname, "..");
const exec = promisify(execFile);
const { values } = parseArgs({
  options: {
    articles: { type: "string", default: "1000" },
    seed: { type: "string", default: "1" },
    quiet: { type: "boolean", default: false },
    keep: { type: "boolean", default: false },
  },
});
const sizes = values.articles
  .split(",")
  .map((s) => Number(s.trim()))
  .filter((n) => n > 0);
const log = (message: string) => {
  if (!values.quiet) console.error(message);
};

interface StageResult {
  ms: number;
  peakMb: number;
  [key: string]: unknown;
}

/** Runs a command, returning wall time; stdout is scanned for a BENCH line. */
function timed(
  command: string,
  args: string[],
  cwd: string,
): Promise<{ ms: number; bench: StageResult | null }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, {
      cwd,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, SITE_URL: "", PATH_PREFIX: "" },
    });
    let bench: StageResult | null = null;
    let tail = "";
    let errors = "";
    child.stdout.on("data", (chunk: Buffer) => {
      tail = (tail + chunk.toString()).slice(-4000);
      const line = /BENCH (\{.*\})/.exec(tail);
      if (line?.[1]) bench = JSON.parse(line[1]) as StageResult;
    });
    child.stderr.on("data", (chunk: Buffer) => {
      errors = (errors + chunk.toString()).slice(-4000);
    });
    child.on("exit", (code) => {
      if (code === 0) resolve({ ms: Math.round(performance.now() - started), bench });
      else reject(new Error(`${command} ${args.join(" ")} exited ${code}\n${errors}${tail}`));
    });
  });
}

async function folderBytes(
  dir: string,
): Promise<{ bytes: number; files: number; htmlBytes: number; html: number }> {
  let bytes = 0;
  let files = 0;
  let htmlBytes = 0;
  let html = 0;
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const size = (await stat(path.join(entry.parentPath, entry.name))).size;
    bytes += size;
    files += 1;
    if (entry.name.endsWith(".html")) {
      htmlBytes += size;
      html += 1;
    }
  }
  return { bytes, files, htmlBytes, html };
}

const yamlString = (s: string) => JSON.stringify(s);

/** The baseline every Eleventy user has: Markdown posts, a Nunjucks layout and tag pages. */
async function eleventyBaseline(corpus: Corpus, dir: string): Promise<number> {
  await mkdir(path.join(dir, "posts"), { recursive: true });
  await mkdir(path.join(dir, "_includes"), { recursive: true });
  await writeFile(
    path.join(dir, "_includes", "layout.njk"),
    "<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>{{ title }}</title></head><body><main>{{ content | safe }}</main></body></html>\n",
  );
  await writeFile(
    path.join(dir, "tags.njk"),
    `---\npagination:\n  data: collections\n  size: 1\n  alias: tag\n  filter: ["all", "posts"]\npermalink: /tags/{{ tag | slugify }}/\nlayout: layout.njk\neleventyComputed:\n  title: "{{ tag }}"\n---\n<h1>{{ tag }}</h1><ul>{% for post in collections[tag] | reverse %}<li><a href="{{ post.url }}">{{ post.data.title }}</a></li>{% endfor %}</ul>\n`,
  );
  await writeFile(
    path.join(dir, "index.njk"),
    '---\nlayout: layout.njk\ntitle: Home\n---\n<ul>{% for post in collections.posts | reverse %}<li><a href="{{ post.url }}">{{ post.data.title }}</a></li>{% endfor %}</ul>\n',
  );
  for (const [i, article] of corpus.articles.entries()) {
    const body = article.raw.replace(/^.*\n/, "");
    const tags = ["posts", ...article.entities.map((e) => e.name)];
    await writeFile(
      path.join(dir, "posts", `post-${i}.md`),
      `---\ntitle: ${yamlString(`Article ${i}`)}\n${article.date ? `date: ${article.date}\n` : ""}layout: layout.njk\ntags:\n${tags.map((t) => `  - ${yamlString(t)}`).join("\n")}\n---\n${body}`,
    );
  }
  const { ms } = await timed(
    process.execPath,
    [
      path.join(REPO, "node_modules", "@11ty", "eleventy", "cmd.cjs"),
      "--input=.",
      "--output=_site",
      "--quiet",
    ],
    dir,
  );
  return ms;
}

/** The same pages with Hugo: posts plus one page per entity term. */
async function hugoBaseline(corpus: Corpus, dir: string): Promise<number | null> {
  const hugo = await exec("sh", ["-c", "command -v hugo"])
    .then((r) => r.stdout.trim())
    .catch(() => "");
  if (!hugo) return null;
  await mkdir(path.join(dir, "content", "posts"), { recursive: true });
  const layouts = path.join(dir, "layouts", "_default");
  await mkdir(layouts, { recursive: true });
  await writeFile(
    path.join(dir, "hugo.toml"),
    'baseURL = "http://localhost/"\ntitle = "bench"\n[taxonomies]\n  entity = "entities"\n[outputs]\n  home = ["HTML"]\n  section = ["HTML"]\n  taxonomy = ["HTML"]\n  term = ["HTML"]\n',
  );
  const page = (inner: string) =>
    `<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>{{ .Title }}</title></head><body><main>${inner}</main></body></html>\n`;
  await writeFile(path.join(layouts, "single.html"), page("{{ .Content }}"));
  await writeFile(
    path.join(layouts, "list.html"),
    page(
      '<h1>{{ .Title }}</h1><ul>{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>',
    ),
  );
  await writeFile(
    path.join(layouts, "taxonomy.html"),
    page(
      '<ul>{{ range .Data.Terms.Alphabetical }}<li><a href="{{ .Page.RelPermalink }}">{{ .Page.Title }}</a></li>{{ end }}</ul>',
    ),
  );
  await writeFile(
    path.join(layouts, "term.html"),
    page(
      '<h1>{{ .Title }}</h1><ul>{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>',
    ),
  );
  for (const [i, article] of corpus.articles.entries()) {
    const body = article.raw.replace(/^.*\n/, "");
    await writeFile(
      path.join(dir, "content", "posts", `post-${i}.md`),
      `---\ntitle: ${yamlString(`Article ${i}`)}\n${article.date ? `date: ${article.date}\n` : ""}entities:\n${article.entities.map((e) => `  - ${yamlString(e.name)}`).join("\n")}\n---\n${body}`,
    );
  }
  const { ms } = await timed(hugo, ["--quiet", "-s", dir, "-d", path.join(dir, "public")], dir);
  return ms;
}

interface Row {
  articles: number;
  pages: number;
  files: number;
  importS: number;
  importMb: number;
  timings: Record<string, number>;
  buildS: number;
  buildMb: number;
  msPerPage: number;
  eleventyS: number;
  hugoS: number | null;
  searchBytesPerArticle: number;
  avgPageKb: number;
}

async function benchSize(count: number, seed: number): Promise<Row> {
  const work = await mkdtemp(path.join(tmpdir(), `bench-${count}-`));
  try {
    log(`[${count}] generating corpus…`);
    const corpus = generateCorpus(count, seed);
    const root = path.join(work, "project");
    await writeRawCorpus(corpus, path.join(work, "raw"));
    await mkdir(path.join(root, "content", "articles"), { recursive: true });
    await cp(path.join(REPO, "content", "knowledge"), path.join(root, "content", "knowledge"), {
      recursive: true,
    });
    const entitiesFile = path.join(root, "content", "knowledge", "entities.yaml");
    await writeFile(entitiesFile, `${await readFile(entitiesFile, "utf8")}${entitiesYaml(corpus)}`);
    const tsx = path.join(REPO, "node_modules", "tsx", "dist", "cli.mjs");
    const stage = path.join(REPO, "bench", "stage.ts");

    log(`[${count}] import…`);
    const imported = await timed(
      process.execPath,
      [tsx, stage, "import", path.join(work, "raw")],
      root,
    );
    log(`[${count}] build (parse, extract, index, render, search)…`);
    const built = await timed(
      process.execPath,
      [tsx, stage, "build", root, path.join(work, "dist")],
      REPO,
    );
    const bench = built.bench;
    if (!bench || !imported.bench) throw new Error("a stage printed no BENCH line");
    const sizes = await folderBytes(path.join(work, "dist"));
    const search = await folderBytes(path.join(work, "dist", "pagefind"));

    log(`[${count}] plain Eleventy baseline…`);
    const eleventyMs = await eleventyBaseline(corpus, path.join(work, "eleventy"));
    log(`[${count}] Hugo baseline…`);
    const hugoMs = await hugoBaseline(corpus, path.join(work, "hugo"));
    const pages = Number(bench.pages);
    return {
      articles: count,
      pages,
      files: Number(bench.files),
      importS: imported.ms / 1000,
      importMb: imported.bench.peakMb,
      timings: bench.timings as Record<string, number>,
      buildS: built.ms / 1000,
      buildMb: bench.peakMb,
      msPerPage: built.ms / pages,
      eleventyS: eleventyMs / 1000,
      hugoS: hugoMs === null ? null : hugoMs / 1000,
      searchBytesPerArticle: Math.round(search.bytes / count),
      avgPageKb: sizes.htmlBytes / sizes.html / 1024,
    };
  } finally {
    if (!values.keep) await rm(work, { recursive: true, force: true });
    else log(`kept ${work}`);
  }
}

function table(rows: Row[]): string {
  const f = (n: number, d = 1) => n.toFixed(d);
  const head =
    "| articles | pages | import s (peak MB) | parse | extract | index | render | search | build s (peak MB) | ms/page | Eleventy s | ratio | Hugo s | ratio | search B/article | avg page KB |";
  const line = `|${head
    .split("|")
    .slice(1, -1)
    .map(() => " --- ")
    .join("|")}|`;
  const body = rows.map((r) => {
    const t = (k: string) => `${f((r.timings[k] ?? 0) / 1000, 2)} s`;
    return `| ${r.articles} | ${r.pages} | ${f(r.importS)} (${r.importMb}) | ${t("parse")} | ${t("extract")} | ${t("index")} | ${t("render")} | ${t("search")} | ${f(r.buildS)} (${r.buildMb}) | ${f(r.msPerPage, 2)} | ${f(r.eleventyS)} | ${f(r.buildS / r.eleventyS, 2)} | ${r.hugoS === null ? "n/a" : f(r.hugoS)} | ${r.hugoS === null ? "n/a" : f(r.buildS / r.hugoS, 2)} | ${r.searchBytesPerArticle} | ${f(r.avgPageKb)} |`;
  });
  return [head, line, ...body].join("\n");
}

async function machine(): Promise<string> {
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  const hugo = await exec("hugo", ["version"])
    .then((r) => r.stdout.trim().split(" ").slice(0, 2).join(" "))
    .catch(() => "not installed");
  return `${cpus().length} × ${cpu}, ${Math.round(totalmem() / 1024 ** 3)} GiB, Node ${process.version}, Hugo: ${hugo}`;
}

const rows: Row[] = [];
for (const size of sizes) rows.push(await benchSize(size, Number(values.seed)));
const report = `Machine: ${await machine()}\nCommand: npm run bench -- --articles ${sizes.join(",")} --seed ${values.seed}\n\n${table(rows)}\n`;
await mkdir(path.join(REPO, "bench", "out"), { recursive: true });
await writeFile(path.join(REPO, "bench", "out", "results.md"), report);
await writeFile(
  path.join(REPO, "bench", "out", "results.json"),
  `${JSON.stringify(rows, null, 2)}\n`,
);
console.log(report);
