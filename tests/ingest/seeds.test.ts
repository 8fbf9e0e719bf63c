import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { cleanRawArticle, renderArticleFile } from "../../src/ingest/index.ts";
import { type Article, parseArticleSource } from "../../src/records/index.ts";

/** The importer on the five seed articles, checked against the human annotation in shared/. */

interface GoldLine {
  line: number;
  text: string;
}
interface GoldSeed {
  file: string;
  date: string | null;
  date_evidence: string | null;
  dateline: { raw_prefix: string; place: string; source: string } | null;
  boilerplate_lines: GoldLine[];
  subheadings: GoldLine[];
  caption_lines: GoldLine[];
}

const seedsDir = path.resolve(import.meta.dirname, "../../../shared/seeds");
const gold: GoldSeed[] = JSON.parse(readFileSync(path.join(seedsDir, "gold/seeds.json"), "utf8"));

const words = (text: string) => (text.normalize("NFKC").match(/[\p{L}\p{N}]+/gu) ?? []).join(" ");

function importSeed(seed: GoldSeed): { markdown: string; article: Article } {
  const raw = readFileSync(path.join(seedsDir, "raw", seed.file), "utf8");
  const id = seed.file.replace(/\.txt$/, "");
  const markdown = renderArticleFile(id, seed.file, cleanRawArticle(raw));
  const result = parseArticleSource(new TextEncoder().encode(markdown), `${id}.md`);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return { markdown, article: result.article };
}

describe.each(gold)("seed $file", (seed) => {
  const { markdown, article } = importSeed(seed);
  const rawLines = readFileSync(path.join(seedsDir, "raw", seed.file), "utf8").split("\n");

  it("keeps the header date and the exact text it came from", () => {
    expect(article.date).toBe(seed.date);
    expect(article.dateEvidence?.trim() ?? null).toBe(seed.date_evidence?.trim() ?? null);
  });

  it("finds the dateline place and the outlet", () => {
    expect(article.dateline).toBe(seed.dateline?.place ?? null);
    expect(article.source).toBe(seed.dateline?.source ?? null);
    if (seed.dateline) expect(article.text).not.toContain(seed.dateline.raw_prefix);
  });

  it("removes every boilerplate line", () => {
    const paragraphs = article.text.split("\n\n").map(words);
    for (const line of seed.boilerplate_lines) {
      const boiler = words(line.text);
      expect(paragraphs, line.text).not.toContain(boiler);
      if (boiler.split(" ").length > 3) expect(words(article.text)).not.toContain(boiler);
    }
  });

  it("turns subheadings into ## headings", () => {
    for (const heading of seed.subheadings) {
      expect(markdown).toMatch(
        new RegExp(`^## ${heading.text.replace(/\u00a0/g, " ").trim()}$`, "m"),
      );
    }
  });

  it("keeps captions as captions, not prose", () => {
    for (const caption of seed.caption_lines) {
      expect(markdown).toContain(`:::caption\n${caption.text.trim()}\n:::`);
    }
    expect((markdown.match(/:::caption/g) ?? []).length).toBe(seed.caption_lines.length);
  });

  it("loses no article text", () => {
    const dropped = new Set(seed.boilerplate_lines.map((b) => b.line));
    const body = words(article.text);
    rawLines.forEach((line, index) => {
      if (dropped.has(index + 1) || line.trim() === "") return;
      const kept = seed.dateline ? line.replace(seed.dateline.raw_prefix, "") : line;
      expect(body, `line ${index + 1}`).toContain(words(kept));
    });
  });

  it("derives a short headline that ends on a whole word", () => {
    expect(article.title.length).toBeLessThanOrEqual(100);
    const lead = words(article.text.split("\n\n")[0] ?? "");
    expect(lead.startsWith(words(article.title))).toBe(true);
  });
});
