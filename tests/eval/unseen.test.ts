import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { f1, formatReport, goldFileSchema, scoreCorpus } from "../../src/eval/index.ts";
import { cleanRawArticle, renderArticleFile } from "../../src/ingest/index.ts";
import { analyzeCorpus, loadKnowledgeBase } from "../../src/knowledge/index.ts";
import { type Article, parseArticleSource } from "../../src/records/index.ts";

/**
 * Articles the rules were not written against, in other outlets' styles, with a gold annotation of
 * our own, run through the whole chain: import, parse, extract, score.
 */

const REPO = path.resolve(import.meta.dirname, "..", "..");
const DIR = path.join(REPO, "tests", "fixtures", "unseen");

describe("unseen articles against our own gold", async () => {
  const kb = await loadKnowledgeBase(path.join(REPO, "content", "knowledge"), REPO);
  const articles: Article[] = [];
  for (const file of (await readdir(DIR)).filter((f) => f.endsWith(".txt")).sort()) {
    const raw = await readFile(path.join(DIR, file), "utf8");
    const markdown = renderArticleFile(file.replace(/\.txt$/, ""), file, cleanRawArticle(raw));
    const parsed = parseArticleSource(new TextEncoder().encode(markdown), file);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    articles.push(parsed.article);
  }
  const gold = goldFileSchema.parse(
    JSON.parse(await readFile(path.join(DIR, "gold.json"), "utf8")),
  );
  const report = scoreCorpus(gold, articles, analyzeCorpus(articles, kb).analyses, kb);

  it("finds the entities, the unknown official included, with F1 of at least 0.95", () => {
    const score = f1(report.entities);
    expect(score.f1, formatReport(report)).toBeGreaterThanOrEqual(0.95);
  });

  it("reads the date and finds the primary topics", () => {
    expect(report.articles.every((a) => a.date.ok && a.flag.ok)).toBe(true);
    for (const a of report.articles)
      expect(a.topics.primaryFound, a.file).toBe(a.topics.primaryTotal);
  });
});
