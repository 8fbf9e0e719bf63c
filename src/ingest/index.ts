import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rename, stat, unlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { cleanRawArticle } from "./clean.ts";
import { isUnedited, renderArticleFile } from "./markdown.ts";

export {
  type Block,
  type CleanArticle,
  cleanRawArticle,
  headlineFromLead,
  isCaption,
} from "./clean.ts";
export { findDate, parseHeaderDate } from "./dates.ts";
export { escapeMarkdown, isUnedited, renderArticleFile } from "./markdown.ts";

export interface ImportOptions {
  /** Folder the Markdown articles are written to (content/articles). */
  contentDir: string;
  /** Replace articles an editor has changed. */
  force: boolean;
  /** Project root; paths in the report are relative to it. */
  root: string;
}

export interface ImportReport {
  created: string[];
  updated: string[];
  unchanged: string[];
  skipped: { file: string; reason: string }[];
  failed: { file: string; message: string }[];
}

/** Raw files are plain text; anything larger than this is not an article. */
const MAX_RAW_BYTES = 5 * 1024 * 1024;

const ID_PATTERN = /^[a-z0-9](?:[a-z0-9_-]{0,126}[a-z0-9])?$/;

/** The file name stem where it is a usable id, else a slug of the title plus a content hash. */
export function articleId(fileName: string, title: string, raw: string): string {
  const stem = path
    .basename(fileName)
    .replace(/\.[^.]*$/, "")
    .toLowerCase();
  if (ID_PATTERN.test(stem)) return stem;
  const cleaned = stem
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .replace(/[^a-z0-9_-]+/g, "-")
    .replace(/^[-_]+|[-_]+$/g, "");
  if (cleaned.length >= 3 && ID_PATTERN.test(cleaned)) return cleaned;
  const slug = title
    .normalize("NFKD")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 60)
    .replace(/-+$/, "");
  const hash = createHash("sha256").update(raw).digest("hex").slice(0, 8);
  return slug ? `${slug}-${hash}` : `article-${hash}`;
}

async function expandInputs(inputs: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const input of inputs) {
    const info = await stat(input).catch(() => null);
    if (info?.isDirectory()) {
      const names = (await readdir(input)).filter((n) => n.endsWith(".txt") && !n.startsWith("."));
      // One push per file: a folder of a whole archive's raw files is more arguments than a
      // call may have.
      for (const name of names.sort()) files.push(path.join(input, name));
    } else files.push(input);
  }
  return files;
}

function decodeRaw(bytes: Buffer): string {
  if (bytes.length === 0) throw new Error("is empty");
  if (bytes.length > MAX_RAW_BYTES)
    throw new Error(`is larger than ${MAX_RAW_BYTES / 1024 / 1024} MB`);
  if (bytes.includes(0)) throw new Error("is a binary file, not text");
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new Error("is not valid UTF-8 text");
  }
}

/** Writes beside the target and renames, so a crash never leaves a half-written article. */
async function writeAtomically(file: string, content: string): Promise<void> {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    await writeFile(temp, content, { flag: "wx" });
    await rename(temp, file);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
}

export async function importArticles(
  inputs: string[],
  options: ImportOptions,
): Promise<ImportReport> {
  const report: ImportReport = { created: [], updated: [], unchanged: [], skipped: [], failed: [] };
  const rel = (file: string) =>
    path.relative(options.root, path.resolve(file)).split(path.sep).join("/");
  await mkdir(options.contentDir, { recursive: true });
  const written = new Map<string, string>();
  for (const input of await expandInputs(inputs)) {
    try {
      const raw = decodeRaw(await readFile(input));
      const article = cleanRawArticle(raw);
      if (article.blocks.length === 0) throw new Error("has no article text after cleaning");
      const sourceFile = path.basename(input);
      const id = articleId(sourceFile, article.title, raw);
      const earlier = written.get(id);
      if (earlier) throw new Error(`gives the id "${id}" that ${earlier} already took in this run`);
      written.set(id, rel(input));
      const target = path.join(options.contentDir, `${id}.md`);
      const content = renderArticleFile(id, sourceFile, article);
      const existing = await readFile(target, "utf8").catch(() => null);
      if (existing === content) {
        report.unchanged.push(rel(target));
        continue;
      }
      if (existing !== null && !options.force && !isUnedited(existing)) {
        report.skipped.push({
          file: rel(target),
          reason: "edited since it was imported (use --force to replace it)",
        });
        continue;
      }
      await writeAtomically(target, content);
      (existing === null ? report.created : report.updated).push(rel(target));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      report.failed.push({ file: rel(input), message });
    }
  }
  return report;
}

export function formatImportReport(report: ImportReport): string {
  const lines: string[] = [];
  for (const file of report.created) lines.push(`created    ${file}`);
  for (const file of report.updated) lines.push(`updated    ${file}`);
  for (const file of report.unchanged) lines.push(`unchanged  ${file}`);
  for (const { file, reason } of report.skipped) lines.push(`skipped    ${file}: ${reason}`);
  for (const { file, message } of report.failed) lines.push(`failed     ${file}: ${message}`);
  lines.push(
    `${report.created.length} created, ${report.updated.length} updated, ${report.unchanged.length} unchanged, ${report.skipped.length} skipped, ${report.failed.length} failed`,
  );
  return lines.join("\n");
}
