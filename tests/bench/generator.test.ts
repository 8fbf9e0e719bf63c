import { describe, expect, it } from "vitest";
import { generateCorpus } from "../../bench/corpus.ts";
import { cleanRawArticle, parseHeaderDate } from "../../src/ingest/index.ts";

describe("synthetic benchmark corpus", () => {
  it("is the same for the same seed and differs for another", () => {
    const a = generateCorpus(30, 7);
    const b = generateCorpus(30, 7);
    const c = generateCorpus(30, 8);
    expect(a.articles.map((x) => x.raw)).toEqual(b.articles.map((x) => x.raw));
    expect(a.articles.map((x) => x.raw)).not.toEqual(c.articles.map((x) => x.raw));
  });

  it("has the requested size, realistic length, several header styles and some undated articles", () => {
    const corpus = generateCorpus(200, 1);
    expect(corpus.articles).toHaveLength(200);
    const words = corpus.articles.map((a) => a.raw.split(/\s+/).length);
    expect(Math.min(...words)).toBeGreaterThanOrEqual(550);
    const firstLines = corpus.articles.map((a) => a.raw.split("\n")[0] ?? "");
    const styles = new Set(
      firstLines.map((l) => l.replace(/\d+/g, "9").replace(/[A-Z][a-z]+/g, "W")),
    );
    expect(styles.size).toBeGreaterThanOrEqual(5);
    const undated = corpus.articles.filter((a) => a.date === null).length;
    expect(undated).toBeGreaterThan(10);
    expect(undated).toBeLessThan(80);
    for (const article of corpus.articles.filter((a) => a.date !== null).slice(0, 50)) {
      expect(parseHeaderDate(article.raw.split("\n")[0] ?? "")).toBe(article.date);
    }
  });

  it("mentions entities from its name tables, and its boilerplate is what the importer removes", () => {
    const corpus = generateCorpus(50, 3);
    expect(
      new Set(corpus.articles.flatMap((a) => a.entities.map((e) => e.id))).size,
    ).toBeGreaterThan(40);
    for (const article of corpus.articles) {
      const first = article.entities[0];
      expect(first && article.raw.includes(first.name)).toBe(true);
      const clean = cleanRawArticle(article.raw);
      const text = clean.blocks.map((b) => b.text).join("\n");
      expect(text).not.toMatch(/Listen Live|Get short URL|READ MORE/);
    }
  });
});
