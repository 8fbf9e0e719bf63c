import type { Article } from "../../src/records/index.ts";

/** An article's record without its text. */
export type ArticleRecord = Omit<Article, "markdown" | "text">;

/** The record of an article `id` with the fields a test does not care about filled in plainly. */
export function recordOf(id: string, fields: Partial<ArticleRecord> = {}): ArticleRecord {
  return {
    id,
    title: id,
    date: null,
    dateEvidence: null,
    source: null,
    dateline: null,
    sourceTags: [],
    sourceFile: `${id}.txt`,
    topics: [],
    file: `content/articles/${id}.md`,
    ...fields,
  };
}
