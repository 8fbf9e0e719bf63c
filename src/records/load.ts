import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import matter from "gray-matter";
import { isMap, isScalar, LineCounter, parseDocument } from "yaml";
import type { z } from "zod";
import type { ContentProblem } from "./errors.ts";
import { markdownToText } from "./markdown.ts";
import { type Article, articleFrontMatterSchema } from "./schema.ts";

/** Articles above this size are refused: no real news article comes near it, a dump or a binary does. */
export const MAX_ARTICLE_BYTES = 2 * 1024 * 1024;

/** Reported without reading the file: its size alone says it is no article. */
export const tooLarge = (bytes: number) =>
  `is ${(bytes / 1024 / 1024).toFixed(1)} MB; articles larger than ${MAX_ARTICLE_BYTES / 1024 / 1024} MB are refused`;

const refuseEngine = (language: string) => ({
  parse(): never {
    throw new Error(`front matter language "${language}" is not allowed; use YAML (---)`);
  },
});

/**
 * gray-matter evaluates `---js` front matter with eval(). These engines make it refuse instead,
 * and the YAML engine uses the core schema, so `date: 2021-04-14` stays a string, not a Date.
 */
export const safeMatterOptions = {
  engines: {
    yaml: {
      parse: (input: string): object => (parseDocument(input).toJS() ?? {}) as object,
    },
    js: refuseEngine("js"),
    javascript: refuseEngine("javascript"),
    coffee: refuseEngine("coffee"),
    coffeescript: refuseEngine("coffeescript"),
  },
};

export type LoadResult = { ok: true; article: Article } | { ok: false; problems: ContentProblem[] };

/** Decodes bytes as UTF-8, refusing binary files and invalid sequences instead of guessing. */
function decodeText(bytes: Uint8Array): { text: string } | { error: string } {
  if (bytes.includes(0))
    return { error: "is a binary file (contains NUL bytes), not Markdown text" };
  try {
    const text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
    return { text: text.replace(/\r\n?/g, "\n") };
  } catch {
    return { error: "is not valid UTF-8 text; re-save it as UTF-8" };
  }
}

/** Line of the front matter key `field` in the file (the opening `---` is line 1). */
function lineOfField(frontMatter: string, field: string | undefined): number | undefined {
  if (!field) return undefined;
  const counter = new LineCounter();
  const doc = parseDocument(frontMatter, { lineCounter: counter });
  if (!isMap(doc.contents)) return undefined;
  for (const pair of doc.contents.items) {
    if (isScalar(pair.key) && pair.key.value === field && pair.key.range) {
      return counter.linePos(pair.key.range[0]).line + 1;
    }
  }
  return undefined;
}

function describeIssue(issue: z.core.$ZodIssue, data: Record<string, unknown>): string {
  if (issue.code === "unrecognized_keys") {
    const allowed = Object.keys(articleFrontMatterSchema.shape).join(", ");
    return `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.join(", ")} (allowed: ${allowed})`;
  }
  const key = issue.path[0];
  if (issue.code === "invalid_type" && typeof key === "string" && !(key in data)) {
    return "is required";
  }
  return issue.message;
}

/** Reads and validates one article. Never throws for bad content: problems are returned. */
export function parseArticleSource(bytes: Uint8Array, file: string): LoadResult {
  const fail = (message: string, extra: Partial<ContentProblem> = {}): LoadResult => ({
    ok: false,
    problems: [{ file, message, ...extra }],
  });
  if (bytes.length === 0) return fail("is empty; an article needs front matter and a body");
  if (bytes.length > MAX_ARTICLE_BYTES) return fail(tooLarge(bytes.length));
  const decoded = decodeText(bytes);
  if ("error" in decoded) return fail(decoded.error);
  const source = decoded.text.replace(/^\uFEFF/, "");

  const opening = /^---([^\n]*)\n/.exec(source);
  if (!opening)
    return fail("has no front matter; the file must start with a line `---`", { line: 1 });
  const language = opening[1]?.trim() ?? "";
  if (language !== "" && language !== "yaml") {
    return fail(`front matter language "${language}" is not allowed; use YAML (---)`, { line: 1 });
  }
  if (!/\n---[ \t]*(\n|$)/.test(source.slice(opening[0].length - 1))) {
    return fail("front matter is not closed; add a line `---` after it", { line: 1 });
  }

  const counter = new LineCounter();
  const frontMatterEnd = source.indexOf("\n---", opening[0].length - 1);
  const rawFrontMatter = source.slice(opening[0].length, frontMatterEnd + 1);
  const doc = parseDocument(rawFrontMatter, { lineCounter: counter, prettyErrors: false });
  const yamlError = doc.errors[0];
  if (yamlError) {
    const line = counter.linePos(yamlError.pos[0]).line;
    const reason = yamlError.message.split("\n")[0] ?? "invalid YAML";
    return fail(`invalid YAML: ${reason}`, line ? { line: line + 1 } : {});
  }

  // gray-matter hands the YAML engine the block it found: the same lines as `rawFrontMatter`, one
  // newline moved. The document parsed above for its errors is reused rather than parsed twice.
  const sameBlock = `\n${rawFrontMatter.slice(0, -1)}`;
  const options = {
    ...safeMatterOptions,
    engines: {
      ...safeMatterOptions.engines,
      yaml: {
        parse: (input: string): object =>
          input === sameBlock
            ? ((doc.toJS() ?? {}) as object)
            : safeMatterOptions.engines.yaml.parse(input),
      },
    },
  };
  let parsed: matter.GrayMatterFile<string>;
  try {
    parsed = matter(source, options);
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error), { line: 1 });
  }
  const data = (parsed.data ?? {}) as Record<string, unknown>;
  if (typeof data !== "object" || Array.isArray(data)) {
    return fail("front matter must be a mapping of fields", { line: 2 });
  }
  const result = articleFrontMatterSchema.safeParse(data);
  if (!result.success) {
    return {
      ok: false,
      problems: result.error.issues.map((issue) => {
        const field =
          issue.code === "unrecognized_keys" ? issue.keys[0] : issue.path.map(String).join(".");
        const line = lineOfField(rawFrontMatter, field?.split(".")[0]);
        return {
          file,
          ...(line ? { line } : {}),
          ...(issue.code === "unrecognized_keys" ? {} : { field }),
          message: describeIssue(issue, data),
        };
      }),
    };
  }
  const markdown = parsed.content.replace(/^\n+/, "");
  const text = markdownToText(markdown);
  if (text.trim().length === 0) {
    const bodyLine = source.slice(0, frontMatterEnd + 4).split("\n").length + 1;
    return fail("has no article text after the front matter", { line: bodyLine, field: "body" });
  }
  return { ok: true, article: { ...result.data, file, markdown, text } };
}

/** Markdown files directly or indirectly under `dir`, sorted so every build sees the same order. */
export async function listMarkdownFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (current: string) => {
    const entries = await readdir(current, { withFileTypes: true });
    for (const entry of entries) {
      if (entry.name.startsWith(".")) continue;
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile() && entry.name.endsWith(".md")) found.push(full);
    }
  };
  await walk(dir);
  return found.sort();
}

/** Two files claiming one id: the later one (in file order) is refused. */
export function duplicateIdProblem(file: string, id: string, firstFile: string): ContentProblem {
  return {
    file,
    field: "id",
    message: `"${id}" is already used by ${firstFile}; ids must be unique`,
  };
}

export interface LoadArticlesResult {
  articles: Article[];
  problems: ContentProblem[];
}

/**
 * Loads every article under `dir`, collecting every problem rather than stopping at the first, and
 * refusing two files that claim the same id. Paths in articles and problems are relative to `root`.
 */
export async function loadArticles(
  dir: string,
  root: string,
  onProgress?: (done: number, total: number) => void,
): Promise<LoadArticlesResult> {
  const files = await listMarkdownFiles(dir);
  const articles: Article[] = [];
  const problems: ContentProblem[] = [];
  const byId = new Map<string, string>();
  for (const [index, full] of files.entries()) {
    onProgress?.(index, files.length);
    const rel = path.relative(root, full).split(path.sep).join("/");
    const size = (await stat(full)).size;
    if (size > MAX_ARTICLE_BYTES) {
      problems.push({ file: rel, message: tooLarge(size) });
      continue;
    }
    const result = parseArticleSource(await readFile(full), rel);
    if (!result.ok) {
      problems.push(...result.problems);
      continue;
    }
    const other = byId.get(result.article.id);
    if (other) {
      problems.push(duplicateIdProblem(rel, result.article.id, other));
      continue;
    }
    byId.set(result.article.id, rel);
    articles.push(result.article);
  }
  return { articles, problems };
}
