import { existsSync } from "node:fs";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseDocument } from "htmlparser2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildInto, checkLinks, cli, hashTree, linksOf, listFiles } from "../helpers/site.ts";

/**
 * A hand-written project (tests/site/fixtures/project: five wire-service articles in another
 * outlet's style and a six-entity knowledge base) built through the CLI. Every expected count and
 * sentence below was worked out by hand from those files, so the pages are checked against the
 * content rather than against whatever the seed archive happens to contain.
 */

const FIXTURE = path.join(import.meta.dirname, "fixtures", "project");
const WITHDRAWAL = "articles/wire-2021-04-14-withdrawal/index.html";
const KABUL = "articles/wire-2019-11-29-kabul/index.html";
const DOHA = "articles/wire-2019-07-03-doha/index.html";
const ESTIMATED = "articles/wire-undated-estimate/index.html";
const UNDATED = "articles/wire-undated-plain/index.html";

let work: string;
let out: string;
let stdout: string;
const page = (file: string, dir = out) => readFile(path.join(dir, file), "utf8");
const htmlFiles = async (dir = out) => (await listFiles(dir)).filter((f) => f.endsWith(".html"));

/** The HTML between an element's start tag and the next section boundary, for scoped asserts. */
function section(html: string, heading: string): string {
  const start = html.indexOf(heading);
  if (start < 0) throw new Error(`no ${heading}`);
  const end = html.indexOf("</section>", start);
  return html.slice(start, end);
}

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), "fixture-site-"));
  out = path.join(work, "dist");
  const result = await buildInto(out, FIXTURE);
  if (result.code !== 0) throw new Error(result.stderr);
  stdout = result.stdout;
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe("a build of a hand-written project", () => {
  it("summarises what it built", () => {
    expect(stdout).toMatch(/Built \d+ pages \(\d+ files\) in [\d.]+ s/);
    expect(stdout).toMatch(/5 articles, \d+ entities \(\d+ automatically detected\), 2 topics/);
  });

  it("writes every page type at URLs made from ids, not titles or file names", async () => {
    const files = await listFiles(out);
    for (const expected of [
      "index.html",
      "404.html",
      "about/index.html",
      "archive/index.html",
      "archive/2019/index.html",
      "archive/2021/index.html",
      "archive/undated/index.html",
      "people/index.html",
      "organizations/index.html",
      "places/index.html",
      "topics/index.html",
      "topics/troop-withdrawal/index.html",
      "topics/peace-talks/index.html",
      "entities/jens-stoltenberg/index.html",
      "entities/kabul/index.html",
      WITHDRAWAL,
      KABUL,
      DOHA,
      ESTIMATED,
      UNDATED,
      "assets/style.css",
    ]) {
      expect(files, expected).toContain(expected);
    }
  });

  it("gives every page one h1, a language, landmarks and a skip link", async () => {
    for (const file of await htmlFiles()) {
      const html = await page(file);
      expect(html, file).toMatch(/^<!DOCTYPE html>\n<html lang="en">/);
      expect(html.match(/<h1[\s>]/g) ?? [], file).toHaveLength(1);
      expect(html, file).toContain('<a class="skip-link" href="#main">Skip to content</a>');
      expect(html, file).toContain('<main id="main"');
      expect(html, file).toContain('<nav aria-label="Main">');
      expect(html, file).toMatch(/<header[\s>]/);
      expect(html, file).toMatch(/<footer[\s>]/);
    }
  });

  it("shows a dated article with its evidence, linked mentions in the exact words, actors by kind and topics", async () => {
    const html = await page(WITHDRAWAL);
    expect(html).toContain(
      "<h1>Biden sets September date for the withdrawal from Afghanistan</h1>",
    );
    expect(html).toContain('<time datetime="2021-04-14">14 April 2021</time>');
    expect(html).toContain("(from the header <q>Published April 14, 2021</q>)");
    expect(html).toContain("Dateline: Washington · Source: Fixture Wire");
    expect(html).not.toContain("Date warning");
    // The mention link wraps the words as written, whichever name form the text used.
    expect(html).toContain(
      'US President <a href="/entities/joe-biden/" class="mention">Joe Biden</a> announced',
    );
    expect(html).toContain('said <a href="/entities/nato/" class="mention">the alliance</a> would');
    expect(html).toContain(
      '<h2>Reaction in <a href="/entities/kabul/" class="mention">Kabul</a></h2>',
    );
    expect(html).toContain(
      '<figure class="caption"><figcaption>Soldiers at an airfield near <a href="/entities/kabul/" class="mention">Kabul</a>.</figcaption></figure>',
    );
    const people = section(html, "<h3>People</h3>");
    expect(people).toContain(
      '<a href="/entities/jens-stoltenberg/">Jens Stoltenberg</a> <span class="count">(1)</span>',
    );
    expect(people).toContain(
      '<a href="/entities/joe-biden/">Joe Biden</a> <span class="count">(1)</span>',
    );
    expect(people).not.toContain("/entities/nato/");
    const organizations = section(html, "<h3>Organizations</h3>");
    expect(organizations).toContain(
      '<a href="/entities/nato/">NATO</a> <span class="count">(2)</span>',
    );
    expect(organizations).toContain('<a href="/entities/taliban/">Taliban</a>');
    expect(section(html, "<h3>Places</h3>")).toContain(
      '<a href="/entities/kabul/">Kabul</a> <span class="count">(3)</span>',
    );
    const topics = section(html, "<h3>Topics</h3>");
    expect(topics).toContain(
      '<a href="/topics/troop-withdrawal/">Troop withdrawal</a> <span class="count">(score 4)</span><br/><span class="evidence">Evidence: withdrawal, pull out</span>',
    );
    expect(topics).toContain(
      '<a href="/topics/peace-talks/">Peace talks</a> <span class="count">(assigned by an editor)</span>',
    );
    expect(section(html, "<h3>Related articles</h3>")).toContain(
      '<a href="/articles/wire-2019-11-29-kabul/">NATO chief visits Kabul ahead of talks</a>',
    );
    expect(html).toContain("Imported from <code>wire-0001.txt</code>");
  });

  it("keeps the header date of a contradicted article as its date and shows a visible warning", async () => {
    const html = await page(DOHA);
    expect(html).toContain('<time datetime="2019-07-03">3 July 2019</time>');
    expect(html).toMatch(
      /<div class="note warning" role="note"><p><strong>Date warning:<\/strong> The header date 3 July 2019 does not fit the text: it calls Joe Biden “US President Joe Biden”/,
    );
  });

  it("marks an estimated period as an estimate and an undated article as undated, never as a date", async () => {
    const estimated = await page(ESTIMATED);
    const header = (html: string) =>
      html.slice(html.indexOf("<header><h1>"), html.indexOf('<div class="body">'));
    expect(header(estimated)).toContain(
      '<span class="undated">Undated (estimated January 2021 – January 2025)</span>',
    );
    expect(header(estimated)).toContain(
      "This is an estimate from the dated roles the article mentions, not a date the text states.",
    );
    expect(header(estimated)).not.toContain("<time");
    const undated = await page(UNDATED);
    expect(header(undated)).toContain('<span class="undated">Undated</span>');
    expect(header(undated)).toContain("(the text states no date)");
    expect(header(undated)).not.toContain("estimate");
    expect(header(undated)).not.toContain("<time");
    // No topic: a sentence, not an empty list.
    expect(section(undated, "<h3>Topics</h3>")).toContain("<p>None assigned.</p>");
    expect(undated).not.toContain('<ul class="topic-list"></ul>');
  });

  it("shows an entity with kind, aliases, dated roles, its articles newest first with the mentioning sentence, and co-mentions", async () => {
    const html = await page("entities/jens-stoltenberg/index.html");
    expect(html).toContain("<h1>Jens Stoltenberg</h1>");
    expect(html).toContain(
      'Person<span data-pagefind-ignore> · <span class="count">2 articles</span> · <span class="count">2 mentions</span></span>',
    );
    expect(html).toContain("<p>Secretary General of NATO 2014–2024.</p>");
    expect(html).toContain("<strong>Also written:</strong> Stoltenberg");
    expect(html).toContain("<li>Secretary General of NATO: 1 October 2014 – 1 October 2024</li>");
    expect(html).not.toContain("Automatically detected");
    const articles = section(html, '<h2 id="articles-heading">');
    expect([...articles.matchAll(/<a href="\/articles\/([^/]+)\/">/g)].map((m) => m[1])).toEqual([
      "wire-2021-04-14-withdrawal",
      "wire-2019-11-29-kabul",
    ]);
    expect(articles).toContain(
      '<p class="excerpt">NATO Secretary General Jens Stoltenberg said the alliance would leave together with the United States.</p>',
    );
    expect(articles).toContain(
      '<p class="excerpt">Stoltenberg arrived in Kabul on Friday and met troops of NATO.</p>',
    );
    const co = section(html, '<h2 id="co-heading">');
    expect(co).toContain(
      '<a href="/entities/kabul/">Kabul</a> <span class="count">(2 articles)</span>',
    );
    expect(co).toContain(
      '<a href="/entities/doha/">Doha</a> <span class="count">(1 article)</span>',
    );
  });

  it("marks automatically detected entities on their page and wherever an article lists them", async () => {
    const { entities } = JSON.parse(await page("data/entities.json")) as {
      entities: { id: string; name: string; discovered: boolean; articles: string[] }[];
    };
    const discovered = entities.filter((e) => e.discovered);
    expect(discovered.map((e) => e.name)).toContain("Rahim Qaderi");
    for (const entity of discovered) {
      const html = await page(`entities/${entity.id}/index.html`);
      expect(html, entity.id).toContain("<strong>Automatically detected.</strong>");
      for (const id of entity.articles) {
        const article = await page(`articles/${id}/index.html`);
        expect(article, `${id} lists ${entity.id}`).toMatch(
          new RegExp(
            `<a href="/entities/${entity.id}/">[^<]+</a> <span class="count">\\(\\d+\\)</span><span class="badge"> automatically detected</span>`,
          ),
        );
      }
    }
    expect(await page("entities/rahim-qaderi/index.html")).toContain(
      '<p class="excerpt">Spokesman Rahim Qaderi said the plan was unchanged.</p>',
    );
  });

  it("shows a topic with its definition and articles, editor-assigned ones included", async () => {
    const html = await page("topics/peace-talks/index.html");
    expect(html).toContain("<h1>Peace talks</h1>");
    expect(html).toContain("<p>Negotiations to end the war.</p>");
    expect(html).toContain(
      'Topic<span data-pagefind-ignore> · <span class="count">3 articles</span></span>',
    );
    const listed = [...html.matchAll(/<a href="\/articles\/([^/]+)\/">/g)].map((m) => m[1]);
    expect(listed).toEqual([
      "wire-2021-04-14-withdrawal",
      "wire-2019-11-29-kabul",
      "wire-2019-07-03-doha",
    ]);
    expect(html).toContain('<p class="excerpt">Evidence: peace talks, Doha</p>');
  });

  it("lists people, organizations, places and topics with their counts", async () => {
    const row = (name: string, id: string, base = "entities") =>
      new RegExp(`<th scope="row"><a href="/${base}/${id}/">${name}</a></th>(?:<td>[^<]*</td>)*`);
    const people = await page("people/index.html");
    expect(people).toMatch(row("Jens Stoltenberg", "jens-stoltenberg"));
    expect(people.match(row("Jens Stoltenberg", "jens-stoltenberg"))?.[0]).toContain("<td>2</td>");
    expect(people.match(row("Joe Biden", "joe-biden"))?.[0]).toContain("<td>3</td>");
    expect(people).not.toContain("/entities/kabul/");
    const places = await page("places/index.html");
    expect(places.match(row("Kabul", "kabul"))?.[0]).toContain("<td>3</td>");
    expect(await page("organizations/index.html")).toContain('<a href="/entities/nato/">NATO</a>');
    const topics = await page("topics/index.html");
    expect(topics.match(row("Peace talks", "peace-talks", "topics"))?.[0]).toContain("<td>3</td>");
    expect(topics.match(row("Troop withdrawal", "troop-withdrawal", "topics"))?.[0]).toContain(
      "<td>2</td>",
    );
  });

  it("files articles by year and month, estimates in their period, the rest under Undated", async () => {
    const archive = await page("archive/index.html");
    expect(archive).toContain(
      '<a href="/archive/2019/">2019</a> <span class="count">(2 articles)</span>',
    );
    expect(archive).toContain('<a href="/archive/2019/#m2019-11">November</a>');
    expect(archive).toContain('<a href="/archive/2019/#m2019-07">July</a>');
    // Undated articles have their own list: linked from here with their number, never listed.
    expect(archive).toContain(
      '<h2 id="undated"><a href="/archive/undated/">Undated</a> <span class="count">(1 article)</span></h2>',
    );
    expect(archive).not.toContain("/articles/");
    const undated = await page("archive/undated/index.html");
    expect(undated).toContain("<h1>Undated articles</h1>");
    expect(undated).toContain('<a href="/articles/wire-undated-plain/">');
    expect(undated).not.toContain("wire-undated-estimate");
    expect(await page("index.html")).toContain(
      '<a href="/archive/undated/">Undated</a> <span class="count">(1 article)</span>',
    );
    const y2019 = await page("archive/2019/index.html");
    expect(y2019).toContain('<h2 id="m2019-11">November 2019</h2>');
    expect(y2019.indexOf("wire-2019-11-29-kabul")).toBeLessThan(
      y2019.indexOf("wire-2019-07-03-doha"),
    );
    const y2021 = await page("archive/2021/index.html");
    // Filed by the start of its estimated period, but never presented as dated that month.
    expect(y2021).toContain(
      '<h2 id="m2021-01">January 2021</h2><h3>Undated, estimated from January 2021</h3><ol class="article-list"><li><a href="/articles/wire-undated-estimate/">',
    );
    expect(y2021).toMatch(
      /<a href="\/articles\/wire-undated-estimate\/">[^<]+<\/a><p class="meta"><span class="undated">Undated \(estimated January 2021 – January 2025\)<\/span>/,
    );
  });

  it("explains how the archive is made and has a 404 page", async () => {
    const about = await page("about/index.html");
    for (const heading of ["Where the articles come from", "Dates"]) {
      expect(about).toContain(`<h2>${heading}</h2>`);
    }
    expect(about).toMatch(/estimate/);
    expect(about).toMatch(/warning/);
    expect(about).toMatch(/detected automatically/);
    expect(await page("404.html")).toContain("<h1>Page not found</h1>");
  });

  it("resolves every internal link and reaches every page from home", async () => {
    const { problems, reachable } = await checkLinks(out);
    expect(problems).toEqual([]);
    const unreachable = (await htmlFiles()).filter(
      (f) => f !== "404.html" && !reachable.has(path.join(out, f)),
    );
    expect(unreachable).toEqual([]);
  });

  it("turns hostile article text into inert text", async () => {
    const html = await page(UNDATED);
    expect(html).toContain(
      "<h1>Letters: &lt;script>alert(1)&lt;/script> &amp; the long road home</h1>",
    );
    for (const file of await htmlFiles()) {
      const text = await page(file);
      const doc = parseDocument(text);
      const scripts: string[] = [];
      const walk = (node: {
        name?: string;
        attribs?: Record<string, string>;
        children?: unknown[];
      }) => {
        if (node.name === "script") scripts.push(node.attribs?.type ?? "");
        for (const [name, value] of Object.entries(node.attribs ?? {})) {
          expect(name.startsWith("on"), `${file}: ${name}`).toBe(false);
          expect(value.trim().toLowerCase().startsWith("javascript:"), `${file}: ${value}`).toBe(
            false,
          );
        }
        for (const child of (node.children ?? []) as (typeof node)[]) walk(child);
      };
      walk(doc as unknown as Parameters<typeof walk>[0]);
      for (const type of scripts) {
        expect(type === "application/ld+json" || file === "search/index.html", file).toBe(true);
      }
      expect(text, file).not.toContain("<img");
    }
  });
});

describe("builds of the hand-written project", () => {
  it("page the undated articles at the configured size, so the archive's index stays one small page", async () => {
    const root = path.join(work, "undated");
    await cp(FIXTURE, root, { recursive: true });
    await writeFile(
      path.join(root, "content", "site.yaml"),
      `${await readFile(path.join(root, "content", "site.yaml"), "utf8")}pageSize: 5\n`,
    );
    for (let i = 1; i <= 11; i++) {
      const id = `wire-undated-letter-${String(i).padStart(2, "0")}`;
      await writeFile(
        path.join(root, "content", "articles", `${id}.md`),
        `---\nid: ${id}\ntitle: "Letter ${i}"\ndate: null\nsourceFile: letter-${i}.txt\n---\n\nA reader writes again.\n`,
      );
    }
    const dist = path.join(root, "dist");
    expect((await buildInto(dist, root)).code).toBe(0);
    const files = await listFiles(dist);
    expect(files.filter((f) => f.startsWith("archive/undated/"))).toEqual([
      "archive/undated/index.html",
      "archive/undated/page/2/index.html",
      "archive/undated/page/3/index.html",
    ]);
    // By id, five a page: the fixture's own undated article after the letters.
    const listed = async (file: string) =>
      [...(await page(file, dist)).matchAll(/<li><a href="\/articles\/([^/]+)\/">/g)].map(
        (m) => m[1],
      );
    expect(await listed("archive/undated/page/3/index.html")).toEqual([
      "wire-undated-letter-11",
      "wire-undated-plain",
    ]);
    const second = await page("archive/undated/page/2/index.html", dist);
    expect(await listed("archive/undated/page/2/index.html")).toHaveLength(5);
    expect(second).toContain("<title>Undated articles (page 2) · Fixture Wire Archive</title>");
    expect(second).toContain('<link rel="prev" href="/archive/undated/"/>');
    expect(second).toContain('<link rel="next" href="/archive/undated/page/3/"/>');
    expect(second).toContain("<p>12 articles whose text states no date");
    const archive = await page("archive/index.html", dist);
    expect(archive).toContain('<span class="count">(12 articles)</span>');
    expect(archive).not.toContain("/articles/");
    expect(await page("sitemap.xml", dist)).toContain(
      "<loc>https://fixture.example.org/archive/undated/page/3/</loc>",
    );
    const { problems } = await checkLinks(dist);
    expect(problems).toEqual([]);
  });

  it("refuse an output folder whose deletion would lose anything, and --quiet prints nothing", async () => {
    const root = path.join(work, "unsafe");
    await cp(FIXTURE, root, { recursive: true });
    const notes = path.join(work, "notes");
    await mkdir(notes);
    await writeFile(path.join(notes, "todo.txt"), "keep me");
    for (const [out, why] of [
      [root, "is the project folder or contains it"],
      [path.join(root, "content"), "is inside content/"],
      [notes, "holds files but no index.html"],
    ] as const) {
      const result = await buildInto(out, root);
      expect(result.code, out).toBe(1);
      expect(result.stderr, out).toContain(`${out}: --out: ${why}`);
    }
    expect(await readFile(path.join(notes, "todo.txt"), "utf8")).toBe("keep me");
    expect(await listFiles(path.join(root, "content"))).toEqual(
      await listFiles(path.join(FIXTURE, "content")),
    );
    const quiet = await cli(["build", "--root", root, "--out", path.join(root, "dist"), "--quiet"]);
    expect(quiet).toEqual({ code: 0, stdout: "", stderr: "" });
  });
  it("are byte-identical from the same content", async () => {
    const again = path.join(work, "again");
    expect((await buildInto(again, FIXTURE)).code).toBe(0);
    expect(await hashTree(again)).toBe(await hashTree(out));
  });

  it("prefix every internal link on every page with PATH_PREFIX", async () => {
    const prefixed = path.join(work, "prefixed");
    const result = await buildInto(prefixed, FIXTURE, { PATH_PREFIX: "/archive/" });
    expect(result.code).toBe(0);
    for (const file of await htmlFiles(prefixed)) {
      const { hrefs, srcs } = linksOf(await page(file, prefixed));
      const internal = [...hrefs, ...srcs].filter((link) => link.startsWith("/"));
      expect(internal.length, file).toBeGreaterThan(0);
      expect(
        internal.filter((link) => !link.startsWith("/archive/")),
        file,
      ).toEqual([]);
    }
    expect(await page(WITHDRAWAL, prefixed)).toContain(
      'US President <a href="/archive/entities/joe-biden/" class="mention">Joe Biden</a>',
    );
    expect((await checkLinks(prefixed, "/archive/")).problems).toEqual([]);
  });

  it("refuse bad content with every problem named by file, line and field, leaving the previous site untouched", async () => {
    const root = path.join(work, "broken");
    await cp(FIXTURE, root, { recursive: true });
    const dist = path.join(root, "dist");
    expect((await buildInto(dist, root)).code).toBe(0);
    const before = await hashTree(dist);
    const edit = async (file: string, from: string, to: string) => {
      const full = path.join(root, "content", file);
      const text = await readFile(full, "utf8");
      expect(text, file).toContain(from);
      await writeFile(full, text.replace(from, to));
    };
    await writeFile(
      path.join(root, "content", "articles", "escape.md"),
      '---\nid: "../../outside"\ntitle: Escape\ndate: null\n---\nBody\n',
    );
    await edit(
      "articles/wire-2019-11-29-kabul.md",
      "dateline: Kabul",
      "dateline: Kabul\ndatelin: typo",
    );
    await edit(
      "articles/wire-2021-04-14-withdrawal.md",
      "topics: [peace-talks]",
      "topics: [peace-talks, peace-talk]",
    );
    await edit("site.yaml", "title: Fixture Wire Archive", "titel: Fixture Wire Archive");
    await edit(
      "knowledge/entities.yaml",
      "kind: place\n    description: Capital",
      "kind: city\n    description: Capital",
    );
    const failed = await buildInto(dist, root);
    expect(failed.code).toBe(1);
    const reported = failed.stderr.split("\n").filter((line) => line.startsWith("  content/"));
    expect(reported).toEqual([
      "  content/site.yaml:1: titel: unknown setting (allowed: title, description, url, pathPrefix, pageSize, searchShardPages, language)",
      expect.stringMatching(/^ {2}content\/knowledge\/entities\.yaml:\d+: entities\.4\.kind: /),
      expect.stringMatching(/^ {2}content\/articles\/escape\.md:2: id: must be 1-128 lowercase/),
      expect.stringMatching(
        /^ {2}content\/articles\/wire-2019-11-29-kabul\.md:8: unknown field datelin/,
      ),
    ]);
    expect(failed.stderr).not.toMatch(/\n\s+at /);
    expect(await hashTree(dist)).toBe(before);
    expect(existsSync(path.join(root, "outside"))).toBe(false);

    // Cross-references are checked once every file parses.
    await rm(path.join(root, "content", "articles", "escape.md"));
    await edit("articles/wire-2019-11-29-kabul.md", "\ndatelin: typo", "");
    await edit("site.yaml", "titel:", "title:");
    await edit("knowledge/entities.yaml", "kind: city", "kind: place");
    const unknownTopic = await buildInto(dist, root);
    expect(unknownTopic.code).toBe(1);
    expect(unknownTopic.stderr).toContain(
      'content/articles/wire-2021-04-14-withdrawal.md:10: topics: unknown topic "peace-talk" (content/knowledge/topics.yaml has: peace-talks, sanctions, troop-withdrawal)',
    );
    expect(await hashTree(dist)).toBe(before);
  });
});
