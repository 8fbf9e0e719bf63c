import { readFile } from "node:fs/promises";
import path from "node:path";
import { isMap, isNode, isScalar, LineCounter, parseDocument } from "yaml";
import { z } from "zod";
import { ContentError, type ContentProblem } from "../records/index.ts";

/** Site settings: content/site.yaml, overridden by SITE_URL, PATH_PREFIX and SITE_TITLE. */
export const siteConfigSchema = z.strictObject({
  title: z.string().trim().min(1).default("NATO & Afghanistan News Archive"),
  description: z
    .string()
    .default(
      "An archive of news coverage of NATO, the United States, the Taliban and Afghanistan, 2018–2022.",
    ),
  /** Public origin of the site, without the path prefix: https://example.org */
  url: z
    .url({
      protocol: /^https?$/,
      error: "must be an absolute http(s) URL such as https://example.org",
    })
    .default("http://localhost:8080"),
  /** Folder the site is served from: "/" or "/archive/". */
  pathPrefix: z
    .string()
    .regex(
      /^\/(?:[A-Za-z0-9._~-]+\/)*$/,
      "must start and end with / and contain only URL-safe folder names",
    )
    .default("/"),
  /** Items per page of entity, topic and archive lists. */
  pageSize: z.number().int().min(5).max(1000).default(50),
  /**
   * Pages per search index shard at most. More shards mean less memory and faster rebuilds of
   * the index, but one more small download for each search.
   */
  searchShardPages: z.number().int().min(2).max(1_000_000).default(2000),
  language: z.string().default("en"),
});

export type SiteConfig = z.infer<typeof siteConfigSchema>;

function normalisePrefix(prefix: string): string {
  const trimmed = prefix.trim().replace(/^\/*/, "/").replace(/\/*$/, "/");
  return trimmed === "//" ? "/" : trimmed;
}

export async function loadSiteConfig(
  root: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<SiteConfig> {
  const file = path.join(root, "content", "site.yaml");
  const rel = "content/site.yaml";
  let raw = "";
  try {
    raw = await readFile(file, "utf8");
  } catch {
    // No file: defaults and environment only.
  }
  const lines = new LineCounter();
  const doc = parseDocument(raw, { lineCounter: lines });
  const lineOf = (offset: number | undefined) =>
    offset === undefined ? undefined : lines.linePos(offset).line;
  /** The line of a setting, or of the setting's name when the value is missing or unknown. */
  const settingLine = (key: string | undefined, value: boolean) => {
    if (key === undefined || !isMap(doc.contents)) return undefined;
    const pair = doc.contents.items.find((item) => isScalar(item.key) && item.key.value === key);
    const node = value && isNode(pair?.value) ? pair.value : pair?.key;
    return isNode(node) ? lineOf(node.range?.[0]) : undefined;
  };
  const problems: ContentProblem[] = doc.errors.map((e) => ({
    file: rel,
    line: e.linePos?.[0].line,
    // The first line says what is wrong; the rest is a source excerpt the line number replaces.
    message: (e.message.split("\n")[0] ?? e.message).replace(/:\s*$/, ""),
  }));
  if (doc.contents !== null && !isMap(doc.contents)) {
    problems.push({
      file: rel,
      line: lineOf(doc.contents.range?.[0]),
      message: "must be a mapping of settings such as `title: My archive`",
    });
  }
  if (problems.length > 0) throw new ContentError(problems);
  const fromFile = (doc.toJS() ?? {}) as Record<string, unknown>;
  const merged: Record<string, unknown> = { ...fromFile };
  if (env.SITE_URL) merged.url = env.SITE_URL.replace(/\/+$/, "");
  if (env.SITE_TITLE) merged.title = env.SITE_TITLE;
  if (env.PATH_PREFIX !== undefined && env.PATH_PREFIX !== "") {
    merged.pathPrefix = normalisePrefix(env.PATH_PREFIX);
  }
  const result = siteConfigSchema.safeParse(merged);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const field = issue.path.map(String).join(".");
      const source =
        field === "url" && env.SITE_URL
          ? "SITE_URL"
          : field === "pathPrefix" && env.PATH_PREFIX
            ? "PATH_PREFIX"
            : rel;
      if (issue.code === "unrecognized_keys") {
        for (const key of issue.keys) {
          problems.push({
            file: rel,
            line: settingLine(key, false),
            field: key,
            message: `unknown setting (allowed: ${Object.keys(siteConfigSchema.shape).join(", ")})`,
          });
        }
        continue;
      }
      const line = source === rel ? settingLine(field || undefined, true) : undefined;
      problems.push({ file: source, line, field, message: issue.message });
    }
  }
  if (problems.length > 0 || !result.success) {
    // Environment first, then the file top to bottom, the order an editor fixes them in.
    const rank = (p: ContentProblem) => (p.file === rel ? 1 : 0);
    problems.sort((a, b) => rank(a) - rank(b) || (a.line ?? 0) - (b.line ?? 0));
    throw new ContentError(problems);
  }
  return { ...result.data, url: result.data.url.replace(/\/+$/, "") };
}
