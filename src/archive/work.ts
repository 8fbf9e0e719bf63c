import {
  type Analyzer,
  type ArticleResult,
  analyzeArticle,
  createAnalyzer,
  type KnowledgeBase,
} from "../knowledge/index.ts";
import { type Article, type ContentProblem, parseArticleSource } from "../records/index.ts";

/**
 * The unit of work of a build: one article, parsed if its bytes are new and analysed if its
 * analysis is missing or stale. Pure, so it runs the same in the main thread and in workers.
 */
export type ArticleTask =
  | { rel: string; bytes: Uint8Array }
  | { rel: string; article: Omit<Article, "file"> };

export type ArticleOutcome =
  | { ok: true; article: Omit<Article, "file">; result: ArticleResult }
  | { ok: false; problems: ContentProblem[] };

export function runArticleTask(task: ArticleTask, analyzer: Analyzer): ArticleOutcome {
  let article: Omit<Article, "file">;
  if ("bytes" in task) {
    const parsed = parseArticleSource(task.bytes, task.rel);
    if (!parsed.ok) return parsed;
    const { file: _, ...rest } = parsed.article;
    article = rest;
  } else article = task.article;
  return { ok: true, article, result: analyzeArticle(article, analyzer) };
}

let workerAnalyzer: Analyzer | null = null;

/** A worker's entry: the analyzer is built once per thread from the knowledge base it was given. */
export function workerTask(kb: KnowledgeBase, task: ArticleTask): ArticleOutcome {
  workerAnalyzer ??= createAnalyzer(kb);
  return runArticleTask(task, workerAnalyzer);
}
