import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  cleanRawArticle,
  importArticles,
  parseHeaderDate,
  renderArticleFile,
} from "../../src/ingest/index.ts";
import { parseArticleSource } from "../../src/records/index.ts";

const fixtures = path.resolve(import.meta.dirname, "../fixtures/raw");

describe("parseHeaderDate", () => {
  it.each([
    [" date 2021-04-14 ", "2021-04-14"],
    [" date 2019-11-30 (Last Updated On: November 30, 2019)", "2019-11-30"],
    ["13:15 GMT27 July 2021", "2021-07-27"],
    ["Published: 29 February 2020", "2020-02-29"],
    ["2021-08-16T09:12:00Z", "2021-08-16"],
    ["Updated Aug. 26, 2021 4:05 pm ET", "2021-08-26"],
    ["Monday, 16 August 2021", "2021-08-16"],
    ["16 Aug 2021 09:12 GMT", "2021-08-16"],
    ["August 16, 2021", "2021-08-16"],
    ["Sept. 3, 2019", "2019-09-03"],
    ["2021/08/16", "2021-08-16"],
    ["Posted on 16.08.2021", "2021-08-16"],
    ["16/08/2021", "2021-08-16"],
    ["08/16/2021", "2021-08-16"],
    ["03/04/2021", "2021-04-03"],
  ])("%j is %s", (line, expected) => {
    expect(parseHeaderDate(line)).toBe(expected);
  });

  it.each([
    ["29 February 2021"],
    ["31/02/2021"],
    ["2021-13-40"],
    ["Listen Live"],
    ["The talks ended on April 13, 2021 in Brussels with a deal."],
    [""],
  ])("%j is not a header date", (line) => {
    expect(parseHeaderDate(line)).toBeNull();
  });
});

async function fixture(name: string) {
  const raw = await readFile(path.join(fixtures, name), "utf8");
  const clean = cleanRawArticle(raw);
  const markdown = renderArticleFile("fixture", name, clean);
  const parsed = parseArticleSource(new TextEncoder().encode(markdown), "fixture.md");
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return { clean, markdown, article: parsed.article };
}

describe("articles from other outlets", () => {
  it("reads a wire-service dateline, headline and footer", async () => {
    const { clean, article } = await fixture("wire-reuters-style.txt");
    expect(article.title).toBe("Taliban enter Kabul as Ghani leaves the country");
    expect(article.dateline).toBe("Kabul");
    expect(article.source).toBe("Reuters");
    expect(article.date).toBeNull();
    expect(article.text.startsWith("Taliban fighters entered the Afghan capital on Sunday")).toBe(
      true,
    );
    expect(article.text).not.toMatch(/Reporting by|Editing by|KABUL, Aug 15/);
    expect(clean.removed).toContain(
      "(Reporting by Kabul newsroom; Writing by Jane Doe; Editing by John Roe)",
    );
  });

  it("decodes entities, drops tags, scripts and share prompts", async () => {
    const { article, markdown } = await fixture("html-remnants.txt");
    expect(article.title).toBe("US and Taliban sign deal in Doha & pledge a “new chapter”");
    expect(article.date).toBe("2020-02-29");
    expect(article.dateEvidence).toBe("Published: 29 February 2020");
    expect(article.dateline).toBe("Doha");
    expect(article.source).toBe("AFP");
    expect(article.text).toBe(
      "The United States and the Taliban signed an agreement on Saturday that could pave the way for a full withdrawal of foreign troops.\n\nThe deal calls for the release of 5,000 prisoners & the start of intra-Afghan talks.",
    );
    expect(markdown).not.toMatch(/<|alert|color:red|Share this|Subscribe|Follow us|\r/);
  });

  it("keeps Markdown-looking text as text and drops related links", async () => {
    const { article, markdown } = await fixture("us-updated-style.txt");
    expect(article.date).toBe("2021-08-26");
    expect(markdown).toContain("## Heavy casualties");
    expect(article.text).toContain(
      "1. The first blast hit the Abbey Gate. # Not a heading, just a hash in the text.",
    );
    expect(article.text).not.toMatch(/Advertisement|Related:/);
  });

  it("moves bylines, labelled tags and captions out of the prose", async () => {
    const { article, markdown, clean } = await fixture("byline-tags-style.txt");
    expect(article.date).toBe("2021-08-16");
    expect(article.dateEvidence).toBe("Last modified on Mon 16 Aug 2021 09.12 BST");
    expect(article.title).toBe(
      "The Taliban entered the presidential palace on Sunday as the government collapsed",
    );
    expect(article.sourceTags).toEqual(["Afghanistan", "Taliban", "Kabul", "Asia"]);
    expect(markdown).toContain(
      ":::caption\nTaliban fighters inside the presidential palace in Kabul\n:::",
    );
    expect(article.text).toBe(
      "The Taliban entered the presidential palace on Sunday as the government collapsed.\n\nTaliban fighters inside the presidential palace in Kabul\n\nThe president fled the country, officials said.",
    );
    expect(clean.removed).toContain("By Jane Doe, Kabul correspondent");
  });

  it("splits paragraphs separated by single line breaks, with headings and captions among them", async () => {
    const { article, markdown } = await fixture("single-newline-style.txt");
    expect(article.date).toBe("2021-08-31");
    expect(article.text.split("\n\n")).toEqual([
      "The last US military flight left Kabul shortly before midnight, ending America's longest war.",
      "General Kenneth McKenzie announced the end of the evacuation at a Pentagon briefing.",
      "Aftermath",
      "The Taliban fired celebratory gunfire across the city.",
      "A US Air Force C-17 takes off from Kabul, August 30, 2021. (Photo: US Air Force)",
      "More than 120,000 people were flown out in two weeks.",
    ]);
    expect(markdown).toContain("## Aftermath");
    expect(markdown).toContain(
      ":::caption\nA US Air Force C-17 takes off from Kabul, August 30, 2021. (Photo: US Air Force)\n:::",
    );
  });

  it("joins hard-wrapped lines back into their paragraphs", async () => {
    const { article } = await fixture("hard-wrapped-style.txt");
    expect(article.text.split("\n\n")).toEqual([
      "President Joe Biden said on Wednesday that the United States would withdraw its remaining troops from Afghanistan by September 11, ending the longest war in American history.",
      '"It is time to end America\'s longest war," Biden said in a speech from the White House.',
    ]);
  });

  it("recognises a photo caption with a credit", async () => {
    const { markdown, article } = await fixture("numeric-date-with-caption.txt");
    expect(article.date).toBe("2021-08-16");
    expect(markdown).toContain(
      ":::caption\nAfghans wait outside the airport, left, as soldiers stand guard, Kabul, August 16, 2021. (Photo: Wakil Kohsar/AFP)\n:::",
    );
  });
});

describe("importArticles", () => {
  let root: string;
  let contentDir: string;
  let rawDir: string;
  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), "ingest-"));
    contentDir = path.join(root, "content", "articles");
    rawDir = path.join(root, "raw");
    await import("node:fs/promises").then((fs) => fs.mkdir(rawDir));
    await writeFile(
      path.join(rawDir, "a.txt"),
      "Listen Live\n\nFirst paragraph of the story.\n\nSecond one.\n",
    );
    await writeFile(path.join(rawDir, "b.txt"), " date 2021-04-14\n\nAnother story here.\n");
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });
  const run = (force = false) => importArticles([rawDir], { contentDir, force, root });

  it("creates, then leaves identical files unchanged", async () => {
    const first = await run();
    expect(first.created).toEqual(["content/articles/a.md", "content/articles/b.md"]);
    const before = await readFile(path.join(contentDir, "a.md"), "utf8");
    const second = await run();
    expect(second.unchanged).toEqual(["content/articles/a.md", "content/articles/b.md"]);
    expect(second.created).toEqual([]);
    expect(await readFile(path.join(contentDir, "a.md"), "utf8")).toBe(before);
  });

  it("never overwrites an edited article unless forced", async () => {
    await run();
    const file = path.join(contentDir, "a.md");
    const edited = (await readFile(file, "utf8")).replace(
      /^title: .*$/m,
      'title: "An editor\'s headline"',
    );
    await writeFile(file, edited);
    const second = await run();
    expect(second.skipped).toEqual([
      {
        file: "content/articles/a.md",
        reason: "edited since it was imported (use --force to replace it)",
      },
    ]);
    expect(await readFile(file, "utf8")).toBe(edited);
    const forced = await run(true);
    expect(forced.updated).toEqual(["content/articles/a.md"]);
    expect(await readFile(file, "utf8")).not.toContain("An editor's headline");
  });

  it("updates an unedited article when the raw text changes", async () => {
    await run();
    await writeFile(
      path.join(rawDir, "b.txt"),
      " date 2021-04-15\n\nAnother story here, revised.\n",
    );
    const second = await run();
    expect(second.updated).toEqual(["content/articles/b.md"]);
    expect(await readFile(path.join(contentDir, "b.md"), "utf8")).toContain('date: "2021-04-15"');
  });

  it("never overwrites a hand-written file without an import digest", async () => {
    await import("node:fs/promises").then((fs) => fs.mkdir(contentDir, { recursive: true }));
    const handWritten = "---\nid: a\ntitle: Mine\ndate: null\n---\nMy text.\n";
    await writeFile(path.join(contentDir, "a.md"), handWritten);
    const report = await run();
    expect(report.skipped.map((s) => s.file)).toEqual(["content/articles/a.md"]);
    expect(await readFile(path.join(contentDir, "a.md"), "utf8")).toBe(handWritten);
  });

  it("reports unreadable input and still imports the rest, leaving no temp files", async () => {
    await writeFile(path.join(rawDir, "c.txt"), new Uint8Array([0x41, 0x00, 0x42]));
    await writeFile(path.join(rawDir, "d.txt"), new Uint8Array([0xff, 0xfe, 0x41]));
    await writeFile(path.join(rawDir, "e.txt"), "");
    await writeFile(path.join(rawDir, "f.txt"), "Listen Live\nGet short URL\n");
    const report = await run();
    expect(report.created).toHaveLength(2);
    expect(report.failed).toEqual([
      { file: "raw/c.txt", message: "is a binary file, not text" },
      { file: "raw/d.txt", message: "is not valid UTF-8 text" },
      { file: "raw/e.txt", message: "is empty" },
      { file: "raw/f.txt", message: "has no article text after cleaning" },
    ]);
    expect((await readdir(contentDir)).sort()).toEqual(["a.md", "b.md"]);
  });

  it("derives a safe id when the file name is not one", async () => {
    await writeFile(path.join(rawDir, "Ünïcode name!!.txt"), "A story about Kabul airport.\n");
    const report = await run();
    expect(report.created).toContain("content/articles/unicode-name.md");
  });
});

describe("importer properties", () => {
  const prose = fc
    .array(fc.stringMatching(/^[A-Z][a-z]{1,9}(?: [a-z]{1,9}){3,14}\.$/), {
      minLength: 1,
      maxLength: 6,
    })
    .map((lines) => lines.join("\n\n"));

  it("never throws on arbitrary Unicode", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 400 }), (raw) => {
        const clean = cleanRawArticle(raw);
        renderArticleFile("x", "x.txt", clean);
      }),
      { numRuns: 300 },
    );
  });

  it("keeps every word of prose input, and it survives the Markdown round trip", () => {
    fc.assert(
      fc.property(prose, (raw) => {
        const clean = cleanRawArticle(raw);
        const parsed = parseArticleSource(
          new TextEncoder().encode(renderArticleFile("x", "x.txt", clean)),
          "x.md",
        );
        expect(parsed.ok).toBe(true);
        if (!parsed.ok) return;
        const kept = `${parsed.article.title} ${parsed.article.text}`;
        for (const word of raw.match(/\p{L}+/gu) ?? []) expect(kept).toContain(word);
      }),
      { numRuns: 200 },
    );
  });

  it("renders text full of Markdown syntax literally", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.constantFrom(
            "#",
            ">",
            "-",
            "*",
            "_",
            "[",
            "]",
            "(",
            ")",
            "`",
            "<b>",
            "1.",
            ":::",
            "&amp;",
            "\\",
            "|",
            "Word",
            " ",
            "!",
          ),
          {
            minLength: 1,
            maxLength: 30,
          },
        ),
        (parts) => {
          const line = `Lead text ${parts.join("")} end.`;
          const clean = cleanRawArticle(`${line}\n`);
          const parsed = parseArticleSource(
            new TextEncoder().encode(renderArticleFile("x", "x.txt", clean)),
            "x.md",
          );
          if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
          const expected = line
            .replace(/<b>/g, "")
            .replace(/&amp;/g, "&")
            .replace(/\s+/g, " ")
            .trim();
          expect(parsed.article.text.replace(/\s+/g, " ")).toBe(expected);
        },
      ),
      { numRuns: 300 },
    );
  });
});
