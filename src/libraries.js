// Plain JavaScript: it runs before tsx's loader is registered (bin/news-archive.js and each
// analysis worker). Libraries imported natively here skip that loader: through it, each of their
// ~350 modules costs a round trip to the loader's thread (0.1–0.2 s of every command). The
// TypeScript that imports them later gets the same instances, under the same URLs. A library
// missing from these lists is only loaded the slower way; compromise, Eleventy and Pagefind stay
// out, loaded only by the builds that need them.

/** What parsing and analysing an article imports (src/records, src/knowledge, src/archive). */
const ANALYSIS_LIBRARIES = [
  "zod",
  "yaml",
  "gray-matter",
  "dayjs",
  "dayjs/plugin/customParseFormat.js",
  "unified",
  "remark-parse",
  "remark-directive",
  "remark-rehype",
  "rehype-sanitize",
  "rehype-stringify",
  "entities",
  "fastest-levenshtein",
];

/** What the command line imports besides: the build's thread pool, the watcher, the feeds. */
const COMMAND_LIBRARIES = ["piscina", "chokidar", "@11ty/eleventy-plugin-rss"];

/** @param {"analysis" | "command"} use */
export async function preloadLibraries(use) {
  const libraries =
    use === "analysis" ? ANALYSIS_LIBRARIES : [...ANALYSIS_LIBRARIES, ...COMMAND_LIBRARIES];
  await Promise.all(libraries.map((library) => import(library)));
}
