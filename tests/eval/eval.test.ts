import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { f1, goldFileSchema, scoreCorpus } from "../../src/eval/index.ts";
import { analyzeCorpus, loadKnowledgeBase } from "../../src/knowledge/index.ts";
import { loadArticles } from "../../src/records/index.ts";

const REPO = path.resolve(import.meta.dirname, "..", "..");

describe("extraction on the seed articles against the gold annotation", async () => {
  const kb = await loadKnowledgeBase(path.join(REPO, "content", "knowledge"), REPO);
  const { articles } = await loadArticles(path.join(REPO, "content", "articles"), REPO);
  const gold = goldFileSchema.parse(
    JSON.parse(
      await readFile(path.join(REPO, "..", "shared", "seeds", "gold", "seeds.json"), "utf8"),
    ),
  );
  const report = scoreCorpus(gold, articles, analyzeCorpus(articles, kb).analyses, kb);

  it("finds the named entities with F1 of at least 0.97, and in every kind", () => {
    expect(f1(report.nerTargets).f1).toBeGreaterThanOrEqual(0.97);
    for (const kind of ["person", "organization", "place"] as const) {
      expect(f1(report.byKind[kind]).f1, kind).toBeGreaterThanOrEqual(0.95);
    }
  });

  it("resolves every role reference", () => {
    expect(report.roles.resolved).toBe(report.roles.total);
    expect(report.roles.total).toBeGreaterThan(0);
  });

  it("flags 004 and only 004, and estimates 000 and 003 within the right year", () => {
    expect(report.articles.filter((a) => a.flag.actual).map((a) => a.file)).toEqual([
      "004_2e667484c972bbe6.txt",
    ]);
    expect(
      report.articles.filter((a) => a.period.ok !== null).map((a) => [a.file, a.period.ok]),
    ).toEqual([
      ["000_f6ad15a73a69bf8d.txt", true],
      ["003_aa7f9b323ee0f65f.txt", true],
    ]);
    expect(report.articles.every((a) => a.date.ok)).toBe(true);
  });

  it("agrees with the gold topics and finds every primary topic", () => {
    expect(f1(report.topics).f1).toBeGreaterThanOrEqual(0.85);
    for (const a of report.articles)
      expect(a.topics.primaryFound, a.file).toBe(a.topics.primaryTotal);
  });
});
