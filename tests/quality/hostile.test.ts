import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { XMLParser } from "fast-xml-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildInto, listFiles } from "../helpers/site.ts";
import { crawl } from "./lib/crawl.ts";
import { parseHtml } from "./lib/html.ts";
import { liveMarkup } from "./lib/live-markup.ts";
import { checkMachineReadable } from "./lib/machine.ts";
import { HOSTILE_ROOT } from "./lib/project.ts";
import { formatHtmlProblem, validateHtml } from "./lib/validate.ts";

/**
 * The hostile fixture project (tests/fixtures/hostile): markup, script, handlers, script URLs,
 * frames, CSS expressions and template syntax in article bodies, front matter, entity names,
 * aliases, topic labels and the site title. Built through the CLI; nothing may survive as markup.
 */

let work: string;
let out: string;
const page = async (file: string) => parseHtml(await readFile(path.join(out, file), "utf8"));

const TITLES = {
  "script-body": '<script>window.pwned = true</script>Headline with <b>HTML</b> & "quotes"',
  "front-matter":
    '</script><script>window.pwned=true</script> =HYPERLINK("https://evil.example") {{ 7*7 }}',
  formula: '=HYPERLINK("https://evil.example","x")',
};
const SITE_TITLE = 'Hostile <Archive> & "Co" </title><script>window.pwned=true</script>';

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), "quality-hostile-"));
  out = path.join(work, "site");
  const result = await buildInto(out, HOSTILE_ROOT);
  if (result.code !== 0) throw new Error(result.stderr);
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe("hostile content builds into inert pages", () => {
  it("keeps no script, handler, frame, form, style or script URL on any page", async () => {
    expect(await liveMarkup(out)).toEqual([]);
    const pages = (await listFiles(out)).filter((f) => f.endsWith(".html"));
    expect(pages).toContain("articles/script-body/index.html");
    expect(pages).toContain("entities/evil-corp/index.html");
  });

  it("still has valid HTML and working links", async () => {
    expect((await validateHtml(out)).map(formatHtmlProblem)).toEqual([]);
    const { problems, unreachable } = await crawl(out);
    expect(problems).toEqual([]);
    expect(unreachable).toEqual([]);
  });

  it("keeps the article body's text and safe link, and loads nothing from evil.example", async () => {
    const html = await readFile(path.join(out, "articles/script-body/index.html"), "utf8");
    const { byTag, text, all } = parseHtml(html);
    const body = all.find((e) => e.attribs.class === "body");
    expect(body).toBeDefined();
    if (!body) return;
    expect(text(body)).toContain("nothing happened.");
    expect(text(body)).toContain("A caption with attributes that must not survive.");
    const links = byTag("a").filter((a) => a.attribs.href !== undefined);
    expect(
      links.filter((a) => a.attribs.href?.includes("example.org")).map((a) => a.attribs),
    ).toEqual([{ href: "https://example.org/", rel: "nofollow noopener noreferrer ugc" }]);
    const evil = all.flatMap((e) =>
      Object.entries(e.attribs)
        .filter(([, value]) => value.includes("evil.example"))
        .map(([name, value]) => `<${e.name} ${name}="${value}">`),
    );
    expect(evil).toEqual([]);
    expect(byTag("figure").map((f) => f.attribs)).toContainEqual({ class: "caption" });
  });

  it("shows titles, front matter and template syntax as the literal text", async () => {
    for (const [id, title] of Object.entries(TITLES)) {
      const { byTag, text } = await page(`articles/${id}/index.html`);
      expect(byTag("h1").map(text)).toEqual([title]);
      expect(byTag("title").map(text)).toEqual([`${title} · ${SITE_TITLE}`]);
    }
    const frontMatter = await page("articles/script-body/index.html");
    const footer = frontMatter.all.find((e) => e.attribs.class === "provenance");
    expect(footer && frontMatter.text(footer)).toContain(
      "Outlet tags: <script>alert(1)</script>, javascript:alert(1).",
    );
    const home = await readFile(path.join(out, "index.html"), "utf8");
    expect(home).not.toContain(">49<");
  });

  it("shows entity names, aliases and descriptions and topic labels as text", async () => {
    const entity = await page("entities/evil-corp/index.html");
    expect(entity.byTag("h1").map(entity.text)).toEqual([
      "Evil <Corp><script>window.pwned=true</script>",
    ]);
    expect(entity.byTag("main").map(entity.text).join("")).toContain(
      "<img src=x onerror=window.pwned=true> description",
    );
    const topic = await page("topics/hostile-topic/index.html");
    expect(topic.byTag("h1").map(topic.text)).toEqual([
      "<b>Hostile</b> topic <script>window.pwned=true</script>",
    ]);
    const mentions = await page("articles/entity-html/index.html");
    const linked = mentions
      .byTag("a")
      .filter((a) => a.attribs.class === "mention")
      .map((a) => [a.attribs.href, mentions.text(a)]);
    expect(linked).toContainEqual(["/entities/evil-corp/", "Evil <Corp>"]);
    expect(linked).toContainEqual(["/entities/jens-stoltenberg/", "Jens Stoltenberg"]);
  });

  it("keeps JSON-LD, feeds and the sitemap well-formed, with the hostile titles as data", async () => {
    const { problems } = await checkMachineReadable(out, "http://localhost:8080/");
    expect(problems).toEqual([]);
    const { byTag, text } = await page("articles/front-matter/index.html");
    const jsonLd = byTag("script").filter((s) => s.attribs.type === "application/ld+json");
    const headlines = jsonLd.flatMap((s) => {
      const data = JSON.parse(text(s)) as { headline?: string } | { headline?: string }[];
      return (Array.isArray(data) ? data : [data]).map((n) => n.headline).filter(Boolean);
    });
    expect(headlines).toEqual([TITLES["front-matter"]]);
    const atom = new XMLParser().parse(await readFile(path.join(out, "feed.xml"), "utf8")) as {
      feed: { title: string; entry: { title: string }[] };
    };
    expect(atom.feed.title).toBe(SITE_TITLE);
    expect(atom.feed.entry.map((e) => e.title)).toEqual(
      expect.arrayContaining(Object.values(TITLES)),
    );
    const json = JSON.parse(await readFile(path.join(out, "feed.json"), "utf8")) as {
      items: { title: string }[];
    };
    expect(json.items.map((i) => i.title)).toEqual(expect.arrayContaining(Object.values(TITLES)));
  });

  it("writes spreadsheet-safe CSV: cells that start like formulas get an apostrophe", async () => {
    const csv = await readFile(path.join(out, "data", "articles.csv"), "utf8");
    const formulaRow = csv.split("\r\n").find((row) => row.startsWith("formula,"));
    expect(formulaRow).toContain(`"'=HYPERLINK(""https://evil.example"",""x"")"`);
    expect(formulaRow).toContain(",'@SUM(1+1),");
    for (const row of csv.split("\r\n")) {
      for (const cell of row.split(",")) expect(cell).not.toMatch(/^"?[=+@]/);
    }
  });
});
