import { readFile } from "node:fs/promises";
import path from "node:path";
import type { KnowledgeBase } from "../knowledge/index.ts";
import type { Article, ContentProblem } from "../records/index.ts";

/** The line of `topics:` in a file's front matter, or of the list item naming `id` under it. */
function topicLine(source: string, id: string): number | undefined {
  const lines = source.split(/\r?\n/);
  const start = lines.findIndex((line, i) => i > 0 && /^topics\s*:/.test(line));
  if (start < 0) return undefined;
  for (let i = start + 1; i < lines.length && /^\s+-|^\s*$/.test(lines[i] ?? ""); i += 1) {
    if ((lines[i] ?? "").replace(/^\s+-\s*/, "").replace(/^["']|["']$/g, "") === id) return i + 1;
  }
  return start + 1;
}

/**
 * Topic ids an editor assigns in front matter must exist in the knowledge base: a mistyped id
 * would otherwise vanish from the article page without a word.
 */
export async function checkTopicReferences(
  articles: readonly Pick<Article, "file" | "topics">[],
  kb: KnowledgeBase,
  root: string,
): Promise<ContentProblem[]> {
  const known = new Set(kb.topics.map((t) => t.id));
  const problems: ContentProblem[] = [];
  for (const article of articles) {
    const unknown = article.topics.filter((id) => !known.has(id));
    if (unknown.length === 0) continue;
    const source = await readFile(path.join(root, article.file), "utf8").catch(() => "");
    for (const id of unknown) {
      problems.push({
        file: article.file,
        line: topicLine(source, id),
        field: "topics",
        message: `unknown topic "${id}" (content/knowledge/topics.yaml has: ${[...known].sort().join(", ")})`,
      });
    }
  }
  return problems;
}
