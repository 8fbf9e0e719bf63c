import { describe, expect, it } from "vitest";
import YAML from "yaml";
import {
  entitiesYaml,
  generateCorpus,
  HEADER_STYLES,
  ORGANIZATION_SUFFIXES,
  PLACE_SUFFIXES,
  prng,
  SYLLABLES,
} from "../../bench/corpus.ts";
import { parseHeaderDate } from "../../src/ingest/index.ts";
import { entitiesFileSchema } from "../../src/knowledge/index.ts";

describe("synthetic benchmark corpus", () => {
  it("is byte-identical for the same seed and differs for another seed", () => {
    const a = generateCorpus(40, { seed: 7 });
    const b = generateCorpus(40, { seed: 7 });
    const c = generateCorpus(40, { seed: 8 });
    expect(a.articles.map((x) => [x.file, x.raw])).toEqual(b.articles.map((x) => [x.file, x.raw]));
    expect(entitiesYaml(a)).toBe(entitiesYaml(b));
    const differing = a.articles.filter((x, i) => x.raw !== c.articles[i]?.raw).length;
    expect(differing).toBe(40);
    expect(entitiesYaml(a)).not.toBe(entitiesYaml(c));
  });

  it("draws from a seeded generator, not Math.random", () => {
    const original = Math.random;
    Math.random = () => {
      throw new Error("Math.random called");
    };
    try {
      expect(() => generateCorpus(5, { seed: 1 })).not.toThrow();
    } finally {
      Math.random = original;
    }
    const r = prng(3);
    const values = Array.from({ length: 1000 }, r);
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
    expect(new Set(values).size).toBe(1000);
  });

  it("produces the requested number of articles of about 600 words, with unique file names", () => {
    for (const count of [1, 17, 250]) {
      const corpus = generateCorpus(count, { seed: 2 });
      expect(corpus.articles).toHaveLength(count);
      expect(new Set(corpus.articles.map((a) => a.file)).size).toBe(count);
    }
    const words = generateCorpus(100, { seed: 2 }).articles.map((a) => a.raw.split(/\s+/).length);
    expect(Math.min(...words)).toBeGreaterThanOrEqual(580);
    expect(Math.max(...words)).toBeLessThan(900);
  });

  it("uses every header style in its stated share, and parses to the article's date", () => {
    const corpus = generateCorpus(2000, { seed: 5 });
    for (const style of HEADER_STYLES) {
      const share = corpus.articles.filter((a) => a.headerStyle === style.name).length / 2000;
      expect(Math.abs(share - style.weight), style.name).toBeLessThan(0.03);
    }
    for (const article of corpus.articles) {
      const firstLine = article.raw.split("\n")[0] ?? "";
      const style = HEADER_STYLES.find((s) => s.name === article.headerStyle);
      if (article.headerStyle === "missing") {
        expect(article.date).toBeNull();
        expect(parseHeaderDate(firstLine)).toBeNull();
        continue;
      }
      expect(firstLine).toMatch(style?.pattern ?? /^$/);
      expect(parseHeaderDate(firstLine)).toBe(article.date);
    }
    // The spec's example shapes, character for character apart from the numbers.
    const shapes = new Set(
      corpus.articles.map((a) => (a.raw.split("\n")[0] ?? "").replace(/\d+/g, "9")),
    );
    expect(shapes).toContain(" date 9-9-9 ");
    expect(shapes).toContain("9:9 GMT9 July 9");
    expect(shapes).toContain("Published: 9 February 9");
    expect(shapes).toContain("9-9-9T9:9:9Z");
    expect(shapes).toContain("Updated Aug. 9, 9 9:9 pm ET");
  });

  it("includes outlet boilerplate: Listen Live, short URL, READ MORE, tag lines and related links", () => {
    const raws = generateCorpus(300, { seed: 4 }).articles.map((a) => a.raw);
    const share = (pattern: RegExp) => raws.filter((r) => pattern.test(r)).length / raws.length;
    expect(share(/^Listen Live\n {4}Get short URL$/m)).toBeGreaterThan(0.15);
    expect(share(/^READ MORE: .+$/m)).toBeGreaterThan(0.25);
    expect(share(/^Tags: [^\n]+, [^\n]+$/m)).toBeGreaterThan(0.2);
    expect(share(/\(VIDEO\)\n/)).toBeGreaterThan(0.25);
  });

  it("names a few thousand entities built from its syllable tables, and dated roles", () => {
    const corpus = generateCorpus(1000, { seed: 1 });
    const named = new Set(corpus.articles.flatMap((a) => a.entities.map((e) => e.id)));
    expect(named.size).toBeGreaterThan(1500);
    const syllable = new RegExp(
      `^(?:(?:${[...SYLLABLES.onsets, ...SYLLABLES.more].join("|")})(?:${SYLLABLES.vowels.join("|")})(?:${SYLLABLES.codas.filter(Boolean).join("|")})?)+$`,
      "i",
    );
    for (const entity of corpus.entities.slice(0, 300)) {
      const words = entity.name.split(" ");
      if (entity.kind === "person") expect(words.every((w) => syllable.test(w))).toBe(true);
      if (entity.kind === "organization") {
        expect(ORGANIZATION_SUFFIXES).toContain(words.at(-1));
        expect(words[0]).toMatch(syllable);
      }
      if (entity.kind === "place")
        expect(PLACE_SUFFIXES.some((s) => entity.name.endsWith(s))).toBe(true);
    }
    for (const article of corpus.articles.slice(0, 200)) {
      expect(article.entities.length).toBeGreaterThanOrEqual(3);
      for (const entity of article.entities) expect(article.raw).toContain(entity.name);
    }
    const raw = corpus.articles.map((a) => a.raw).join("\n");
    expect(raw).toMatch(/The NATO chief /);
    expect(raw).toMatch(/US Secretary of State /);
    expect(raw).toMatch(/The \w+ foreign minister /);
    // Role phrases name the holder of the article's date: Pompeo before 2021-01-20, Blinken after.
    for (const article of corpus.articles.filter((a) =>
      /US Secretary of State|top US diplomat/i.test(a.raw),
    )) {
      const day = article.date;
      if (day === null) continue;
      if (day < "2021-01-20") expect(article.raw).toContain("Mike Pompeo");
      if (day >= "2021-01-26") expect(article.raw).toContain("Antony Blinken");
    }
  });

  it("writes knowledge-base entries the project's schema accepts, with dated roles", () => {
    const corpus = generateCorpus(10, { seed: 1, entityCount: 300, knowledgeBaseCount: 200 });
    const parsed = entitiesFileSchema.parse(YAML.parse(`entities:\n${entitiesYaml(corpus)}`));
    expect(parsed.entities).toHaveLength(200);
    const withRoles = parsed.entities.filter((e) => e.roles.length > 0);
    expect(withRoles.length).toBeGreaterThan(10);
    expect(withRoles[0]?.roles[0]?.role).toMatch(/^Foreign Minister of /);
  });
});
