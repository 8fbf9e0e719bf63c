import { createHash } from "node:crypto";
import { stringify } from "yaml";
import type { Block, CleanArticle } from "./clean.ts";

/**
 * Writes an imported article as Markdown with YAML front matter. Text is escaped so that it renders
 * as the same words it was: a scraped line starting with "1." or "#" is prose, not a list or heading.
 */

/** Escapes characters Markdown would read as markup, anywhere in a line. */
function escapeInline(text: string): string {
  return text.replace(/[\\`*_[\]<>&|~]/g, (ch) => `\\${ch}`);
}

/** Escapes what would make a line start a block (heading, quote, list, fence, directive, rule). */
function escapeLineStart(text: string): string {
  return text
    .replace(/^(\s*)([#>+=-])/, "$1\\$2")
    .replace(/^(\s*\d+)([.)])/, "$1\\$2")
    .replace(/^(\s*):/, "$1\\:");
}

export function escapeMarkdown(text: string): string {
  return escapeLineStart(escapeInline(text));
}

function renderBlock(block: Block): string {
  const text = escapeMarkdown(block.text);
  switch (block.kind) {
    case "heading":
      return `## ${text}`;
    case "caption":
      return `:::caption\n${text}\n:::`;
    case "paragraph":
      return text;
  }
}

export const DIGEST_KEY = "importDigest";

/** Digest of a file's content with its own digest line left out, so it can be checked later. */
export function digestOf(fileContent: string): string {
  const withoutDigest = fileContent.replace(new RegExp(`^${DIGEST_KEY}:.*\\n`, "m"), "");
  return createHash("sha256").update(withoutDigest).digest("hex").slice(0, 16);
}

/** The digest a file claims, or null when it has none (hand-written files). */
export function claimedDigest(fileContent: string): string | null {
  const frontMatter = /^---\n([\s\S]*?)\n---\n/.exec(fileContent)?.[1] ?? "";
  return new RegExp(`^${DIGEST_KEY}: *"?([0-9a-f]{16})"?\\s*$`, "m").exec(frontMatter)?.[1] ?? null;
}

/** True when a file is exactly as the importer wrote it. */
export function isUnedited(fileContent: string): boolean {
  const claimed = claimedDigest(fileContent);
  return claimed !== null && claimed === digestOf(fileContent);
}

export function renderArticleFile(id: string, sourceFile: string, article: CleanArticle): string {
  const frontMatter = {
    id,
    title: article.title,
    date: article.date,
    dateEvidence: article.dateEvidence,
    source: article.source,
    dateline: article.dateline,
    sourceTags: article.sourceTags,
    sourceFile,
  };
  const yaml = stringify(frontMatter, {
    lineWidth: 0,
    defaultStringType: "QUOTE_DOUBLE",
    defaultKeyType: "PLAIN",
  });
  const body = article.blocks.map(renderBlock).join("\n\n");
  const draft = `---\n${yaml}---\n\n${body}\n`;
  const digest = digestOf(draft);
  return draft.replace(/\n---\n\n/, `\n${DIGEST_KEY}: "${digest}"\n---\n\n`);
}
