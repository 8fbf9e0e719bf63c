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

describe("npm run eval on a gold set that was never imported", () => {
  it("imports the raw files in memory, from --raw or from raw/ beside gold/, and writes nothing", async () => {
    const { cli } = await import("../helpers/site.ts");
    const { cp, mkdir, mkdtemp, readdir: list, rm } = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const before = await list(path.join(REPO, "content", "articles"));
    const explicit = await cli([
      "eval",
      "tests/fixtures/unseen/gold.json",
      "--raw",
      "tests/fixtures/unseen",
    ]);
    expect(explicit.code).toBe(0);
    expect(explicit.stdout).toContain(
      "moscow-format.txt\n  entities (named)  P 1.000  R 1.000  F1 1.000",
    );
    const layout = await mkdtemp(path.join(tmpdir(), "gold-"));
    await mkdir(path.join(layout, "gold"));
    await cp(DIR, path.join(layout, "raw"), { recursive: true });
    await cp(path.join(DIR, "gold.json"), path.join(layout, "gold", "set.json"));
    const beside = await cli(["eval", path.join(layout, "gold", "set.json")]);
    expect(beside.code).toBe(0);
    expect(beside.stdout).toContain(
      "wire-airport.txt\n  entities (named)  P 1.000  R 1.000  F1 1.000",
    );
    expect(await list(path.join(REPO, "content", "articles"))).toEqual(before);
    await rm(layout, { recursive: true, force: true });
  });
});
