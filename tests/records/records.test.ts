import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  formatProblem,
  loadArticles,
  parseArticleSource,
  renderBodyHtml,
} from "../../src/records/index.ts";

const encode = (text: string) => new TextEncoder().encode(text);
const parse = (text: string) => parseArticleSource(encode(text), "content/articles/x.md");

const valid = `---
id: sample-article
title: Stoltenberg meets Blinken
date: 2021-04-14
dateEvidence: " date 2021-04-14 "
---
## Talks in Brussels

NATO Secretary General Jens Stoltenberg met Antony Blinken in Brussels.

:::caption
Jens Stoltenberg, right, in Brussels, April 14, 2021.
:::
`;

describe("parseArticleSource", () => {
  it("parses front matter into a typed record with defaults", () => {
    const result = parse(valid);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const { article } = result;
    expect(article.id).toBe("sample-article");
    expect(article.date).toBe("2021-04-14");
    expect(article.dateEvidence).toBe(" date 2021-04-14 ");
    expect(article.source).toBeNull();
    expect(article.sourceTags).toEqual([]);
    expect(article.text).toBe(
      "Talks in Brussels\n\nNATO Secretary General Jens Stoltenberg met Antony Blinken in Brussels.\n\nJens Stoltenberg, right, in Brussels, April 14, 2021.",
    );
  });

  it("keeps an unquoted YAML date a string, not a Date", () => {
    const result = parse(valid);
    expect(result.ok && typeof result.article.date).toBe("string");
  });

  it("names the file, line and field of an impossible date", () => {
    const result = parse(valid.replace("date: 2021-04-14", "date: 2021-13-40"));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map(formatProblem)).toEqual([
      'content/articles/x.md:4: date: "2021-13-40" is not a valid date (expected YYYY-MM-DD)',
    ]);
  });

  it("rejects 30 February rather than rolling it over to March", () => {
    const result = parse(valid.replace("date: 2021-04-14", "date: 2021-02-30"));
    expect(result.ok).toBe(false);
  });

  it("reports a missing required field and an unknown field at once", () => {
    const result = parse("---\nid: a\ntittle: Typo\ndate: null\n---\nText.\n");
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const messages = result.problems.map(formatProblem);
    expect(messages).toContain("content/articles/x.md: title: is required");
    expect(
      messages.some((m) => m.startsWith("content/articles/x.md:3: unknown field tittle")),
    ).toBe(true);
  });

  it("refuses ---js front matter without evaluating it", () => {
    const marker = `__evaluated_${Date.now()}`;
    const result = parse(`---js\n{ id: (globalThis.${marker} = true, "x") }\n---\nBody.\n`);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(formatProblem(result.problems[0] ?? { file: "", message: "" })).toBe(
      'content/articles/x.md:1: front matter language "js" is not allowed; use YAML (---)',
    );
    expect(marker in globalThis).toBe(false);
  });

  it("gives the line of invalid YAML", () => {
    const result = parse("---\nid: a\ntitle: [unclosed\ndate: null\n---\nBody.\n");
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems[0]?.line).toBeGreaterThanOrEqual(3);
    expect(result.problems[0]?.message).toMatch(/^invalid YAML/);
  });

  it("refuses ids that could escape the output folder", () => {
    for (const id of ["../etc", "a/b", "%2e%2e", "a\u0000b", "UPPER", "-lead"]) {
      const result = parse(valid.replace("id: sample-article", `id: ${JSON.stringify(id)}`));
      expect(result.ok, id).toBe(false);
    }
  });

  it("explains empty, binary, invalid UTF-8 and bodiless files", () => {
    const cases: [Uint8Array, RegExp][] = [
      [new Uint8Array(), /is empty/],
      [new Uint8Array([0x2d, 0x2d, 0x2d, 0x0a, 0x00, 0x01]), /binary file/],
      [new Uint8Array([0x2d, 0x2d, 0x2d, 0x0a, 0xff, 0xfe, 0x41]), /not valid UTF-8/],
      [encode("---\nid: a\ntitle: T\ndate: null\n---\n\n"), /no article text/],
      [encode("Just text, no front matter."), /no front matter/],
    ];
    for (const [bytes, message] of cases) {
      const result = parseArticleSource(bytes, "x.md");
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.problems[0]?.message).toMatch(message);
    }
  });

  it("accepts a BOM and CRLF line endings", () => {
    const result = parse(`\uFEFF${valid.replace(/\n/g, "\r\n")}`);
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.article.text).not.toContain("\r");
  });
});

describe("renderBodyHtml", () => {
  it("drops raw HTML, scripts and dangerous link protocols", () => {
    const html = renderBodyHtml(
      'Hi <script>alert(1)</script> <img src=x onerror="alert(2)"> [a](javascript:alert(3)) [b](data:text/html,x) <iframe src="https://evil.test"></iframe> [ok](https://example.org)',
    );
    expect(html).not.toMatch(/<script|<img|<iframe|onerror|javascript:|data:text/);
    expect(html).toContain(
      '<a href="https://example.org" rel="nofollow noopener noreferrer ugc">ok</a>',
    );
  });

  it("renders captions as figures and demotes headings below the page headline", () => {
    const html = renderBodyHtml("# Top\n\nText.\n\n:::caption\nA photo.\n:::\n");
    expect(html).toContain("<h2>Top</h2>");
    expect(html).toContain('<figure class="caption"><figcaption>A photo.</figcaption></figure>');
  });

  it("keeps text that merely looks like a directive", () => {
    const result = parse(valid.replace("met Antony", "met at 13:15 GMT:today Antony"));
    expect(result.ok && result.article.text).toContain("at 13:15 GMT:today Antony");
  });

  it("links the exact words at the given offsets of the plain text", () => {
    const result = parse(valid);
    if (!result.ok) throw new Error("fixture must parse");
    const { text, markdown } = result.article;
    const start = text.indexOf("Antony Blinken");
    const html = renderBodyHtml(markdown, [
      { start, end: start + "Antony Blinken".length, href: "/entities/antony-blinken/" },
    ]);
    expect(html).toContain(
      'met <a href="/entities/antony-blinken/">Antony Blinken</a> in Brussels',
    );
  });

  it("links the same words that the offsets select, for any range of any text", () => {
    fc.assert(
      fc.property(
        fc.array(fc.stringMatching(/^[A-Za-z][A-Za-z ,.]{0,30}$/), { minLength: 1, maxLength: 4 }),
        fc.nat(),
        fc.nat(),
        (paragraphs, a, b) => {
          const markdown = paragraphs.map((p) => p.trim() || "x").join("\n\n");
          const result = parse(`---\nid: p\ntitle: T\ndate: null\n---\n${markdown}\n`);
          if (!result.ok) return;
          const { text } = result.article;
          const start = a % text.length;
          const end = Math.min(text.length, start + 1 + (b % 12));
          const surface = text.slice(start, end);
          if (surface.includes("\n") || surface.trim() !== surface || surface === "") return;
          const html = renderBodyHtml(result.article.markdown, [{ start, end, href: "/e/" }]);
          const linked = /<a href="\/e\/">([^<]*)<\/a>/.exec(html)?.[1];
          expect(linked).toBe(surface.replace(/&/g, "&amp;"));
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("loadArticles", () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), "records-"));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("lists every bad file at once and refuses duplicate ids naming both files", async () => {
    const dir = path.join(root, "content", "articles");
    await import("node:fs/promises").then((fs) => fs.mkdir(dir, { recursive: true }));
    await writeFile(path.join(dir, "a.md"), valid);
    await writeFile(path.join(dir, "b.md"), valid);
    await writeFile(path.join(dir, "c.md"), valid.replace("2021-04-14\n", "2021-02-30\n"));
    const { articles, problems } = await loadArticles(dir, root);
    expect(articles.map((a) => a.file)).toEqual(["content/articles/a.md"]);
    expect(problems.map(formatProblem)).toEqual([
      'content/articles/b.md: id: "sample-article" is already used by content/articles/a.md; ids must be unique',
      'content/articles/c.md:4: date: "2021-02-30" is not a valid date (expected YYYY-MM-DD)',
    ]);
  });
});
