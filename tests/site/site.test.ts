import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import * as pagefind from "pagefind";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { searchedPart } from "../../src/site/search-pages.js";
import {
  buildInto,
  checkLinks,
  copyOfContent,
  hashTree,
  listFiles,
  REPO,
  stoppingPagefindEnv,
} from "../helpers/site.ts";

/** The repository's own content built through the CLI, checked page by page. */

let out: string;
let stdout: string;
const page = (p: string) => readFile(path.join(out, p), "utf8");
const files = (local: string) => existsSync(path.join(out, local, "index.html"));

beforeAll(async () => {
  out = await mkdtemp(path.join(tmpdir(), "site-"));
  const result = await buildInto(path.join(out, "dist"));
  if (result.code !== 0) throw new Error(result.stderr);
  stdout = result.stdout;
  out = path.join(out, "dist");
});

afterAll(async () => {
  await rm(path.dirname(out), { recursive: true, force: true });
});

describe("build of the seed archive", () => {
  it("prints a summary of what it built", () => {
    expect(stdout).toMatch(/Built \d+ pages \(\d+ files\) in [\d.]+ s/);
    expect(stdout).toMatch(/5 articles, \d+ entities \(\d+ automatically detected\), \d+ topics/);
  });

  it("writes every page type at its stable URL", async () => {
    const files = await listFiles(out);
    for (const expected of [
      "index.html",
      "404.html",
      "about/index.html",
      "search/index.html",
      "archive/index.html",
      "archive/2021/index.html",
      "archive/2019/index.html",
      "people/index.html",
      "organizations/index.html",
      "places/index.html",
      "topics/index.html",
      "topics/afghan-peace-process/index.html",
      "articles/004_2e667484c972bbe6/index.html",
      "entities/jens-stoltenberg/index.html",
      "assets/style.css",
      "pagefind/pagefind-ui.js",
    ]) {
      expect(files, expected).toContain(expected);
    }
    expect(files.filter((f) => /^articles\/[^/]+\/index\.html$/.test(f))).toHaveLength(5);
  });

  it("shows an article with its date evidence, flag, linked mentions, actors and topics", async () => {
    const html = await page("articles/004_2e667484c972bbe6/index.html");
    expect(html).toContain(
      "<h1>Earlier in the day, foreign ministers of NATO states on Friday held a meeting in Brussels…</h1>",
    );
    expect(html).toContain('<time datetime="2021-07-27">27 July 2021</time>');
    expect(html).toContain("(from the header <q>13:15 GMT27 July 2021</q>)");
    expect(html).toMatch(
      /Date warning:<\/strong> The header date 27 July 2021 does not fit the text: it calls Mike Pompeo/,
    );
    expect(html).toContain("Dateline: Brussels · Source: Sputnik");
    expect(html).toContain(
      '<a href="/entities/jens-stoltenberg/" class="mention">The NATO chief</a>',
    );
    expect(html).toContain('<a href="/entities/ashraf-ghani/" class="mention">Ghani</a>');
    expect(html).toMatch(
      /<h3>People<\/h3><ul class="actor-list"><li><a href="\/entities\/jens-stoltenberg\/">Jens Stoltenberg<\/a> <span class="count">\(4\)<\/span>/,
    );
    expect(html).toContain("<h3>Organizations</h3>");
    expect(html).toContain("<h3>Places</h3>");
    expect(html).toMatch(
      /NATO training mission in Iraq<\/a> <span class="count">\(score \d+\)<\/span><br\/><span class="evidence">Evidence: training mission in Iraq/,
    );
    expect(html).toContain("Imported from <code>004_2e667484c972bbe6.txt</code>");
    expect(html).toContain("<h3>Related articles</h3>");
  });

  it("shows an undated article as undated, with its estimate marked as one", async () => {
    const html = await page("articles/003_aa7f9b323ee0f65f/index.html");
    expect(html).toContain(
      '<span class="undated">Undated (estimated January 2021 – January 2022)</span>',
    );
    expect(html).toContain("(the text states no date)");
    expect(html).toContain(
      "This is an estimate from the dated roles the article mentions, not a date the text states.",
    );
    const header = html.slice(html.indexOf("<header><h1>"), html.indexOf('<div class="body">'));
    expect(header).not.toContain("<time");
  });

  it("lists an entity's articles newest first with the sentence that mentions it, and co-mentions", async () => {
    const html = await page("entities/mike-pompeo/index.html");
    expect(html).toContain("<h1>Mike Pompeo</h1>");
    expect(html).toContain("US Secretary of State: 26 April 2018 – 20 January 2021");
    const order = [...html.matchAll(/<a href="\/articles\/([^/]+)\/">/g)].map((m) => m[1]);
    expect(order.slice(0, 3)).toEqual([
      "004_2e667484c972bbe6",
      "002_6a68b51c29f6b919",
      "000_f6ad15a73a69bf8d",
    ]);
    expect(html).toContain(
      '<p class="excerpt">NATO Secretary General Jens Stoltenberg said that he had discussed Russia with new US State Secretary Mike Pompeo on Friday.</p>',
    );
    expect(html).toMatch(
      /<h2 id="co-heading">Mentioned together with<\/h2><ul class="co-mentions"><li><a href="\/entities\/[a-z-]+\/">[^<]+<\/a> <span class="count">\(3 articles\)<\/span>/,
    );
  });

  it("lists people, organizations and places with counts", async () => {
    const html = await page("people/index.html");
    expect(html).toMatch(
      /<th scope="row"><a href="\/entities\/jens-stoltenberg\/">Jens Stoltenberg<\/a><\/th><td>Person<\/td><td>5<\/td><td>\d+<\/td>/,
    );
    expect(html).not.toContain("/entities/nato/");
    expect(await page("places/index.html")).toContain(
      '<a href="/entities/afghanistan/">Afghanistan</a>',
    );
  });

  it("files articles by year and month, estimates under their period", async () => {
    const html = await page("archive/index.html");
    expect(html).toMatch(
      /<a href="\/archive\/2021\/">2021<\/a> <span class="count">\(3 articles\)<\/span>/,
    );
    const year = await page("archive/2019/index.html");
    expect(year).toContain('<h2 id="m2019-11">November 2019</h2>');
    expect(year).toContain('<h2 id="m2019-07">July 2019</h2>');
  });

  it("resolves every internal link, stylesheet, script and anchor, and reaches every page from home", async () => {
    const { problems, reachable } = await checkLinks(out);
    expect(problems).toEqual([]);
    const pages = (await listFiles(out)).filter((f) => f.endsWith(".html") && f !== "404.html");
    const unreachable = pages.filter((p) => !reachable.has(path.join(out, p)));
    expect(unreachable).toEqual([]);
  });

  it("runs no script from article text", async () => {
    for (const file of (await listFiles(out)).filter((f) => f.endsWith(".html"))) {
      const html = await page(file);
      const scripts = [...html.matchAll(/<script\b([^>]*)>/g)].map((m) => m[1]);
      for (const attributes of scripts) {
        expect(
          attributes === ' type="application/ld+json"' || file === "search/index.html",
          `${file}: ${attributes}`,
        ).toBe(true);
      }
      expect(html).not.toMatch(/\son[a-z]+=/i);
    }
  });

  it("publishes JSON exports in the documented shape", async () => {
    const { articles } = JSON.parse(await page("data/articles.json"));
    const flagged = articles.find((a: { id: string }) => a.id === "004_2e667484c972bbe6");
    expect(Object.keys(flagged)).toEqual([
      "id",
      "sourceFile",
      "url",
      "title",
      "date",
      "dateEvidence",
      "dateFlag",
      "estimatedPeriod",
      "source",
      "dateline",
      "entities",
      "topics",
    ]);
    expect(flagged.dateFlag).toMatch(/^The header date 27 July 2021 does not fit the text/);
    expect(flagged.entities[0]).toEqual({
      id: "nato",
      name: "NATO",
      kind: "organization",
      mentions: 10,
      discovered: false,
      surfaceForms: ["NATO", "The alliance"],
    });
    const undated = articles.find((a: { id: string }) => a.id === "000_f6ad15a73a69bf8d");
    expect(undated.estimatedPeriod.from.slice(0, 4)).toBe("2019");
    const { entities } = JSON.parse(await page("data/entities.json"));
    const kuleba = entities.find((e: { id: string }) => e.id === "dmytro-kuleba");
    expect(kuleba).toMatchObject({
      kind: "person",
      discovered: false,
      url: "http://localhost:8080/entities/dmytro-kuleba/",
      articles: ["001_09f78702414022e0"],
    });
    const mentions = (await page("data/mentions.csv")).split("\r\n");
    expect(mentions[0]).toBe("articleId,entityId,start,end,surface,via");
    const row = mentions.find((line) => line.endsWith(",Kulebasaid,misspelling"))?.split(",") ?? [];
    expect(row.slice(0, 2)).toEqual(["001_09f78702414022e0", "dmytro-kuleba"]);
    expect(Number(row[3]) - Number(row[2])).toBe("Kulebasaid".length);
  });

  it("writes Atom and JSON feeds whose items are pages that exist", async () => {
    const atom = await page("entities/mike-pompeo/feed.xml");
    expect(XMLValidator.validate(atom)).toBe(true);
    const feed = new XMLParser({ ignoreAttributes: false }).parse(atom).feed;
    const entries = Array.isArray(feed.entry) ? feed.entry : [feed.entry];
    expect(entries.map((e: { id: string }) => e.id)).toEqual([
      "urn:news-archive:article:004_2e667484c972bbe6",
      "urn:news-archive:article:002_6a68b51c29f6b919",
      "urn:news-archive:article:000_f6ad15a73a69bf8d",
    ]);
    expect(feed.updated).toBe("2021-07-27T00:00:00Z");
    const json = JSON.parse(await page("feed.json"));
    expect(json.version).toBe("https://jsonfeed.org/version/1.1");
    expect(json.items).toHaveLength(5);
    for (const feedFile of (await listFiles(out)).filter((f) => f.endsWith("feed.json"))) {
      for (const item of JSON.parse(await page(feedFile)).items) {
        const local = item.url.replace("http://localhost:8080/", "");
        expect(files(local), `${feedFile}: ${item.url}`).toBe(true);
      }
    }
    expect(await page("index.html")).toContain(
      '<link rel="alternate" type="application/atom+xml" title="NATO &amp; Afghanistan News Archive (Atom)" href="/feed.xml"/>',
    );
  });

  it("indexes every article, entity and topic page for search", async () => {
    const entry = JSON.parse(await page("pagefind/pagefind-entry.json"));
    const bodies: string[] = [];
    for (const file of (await listFiles(out)).filter((f) => f.endsWith(".html"))) {
      if ((await page(file)).includes("data-pagefind-body")) bodies.push(file);
    }
    expect(entry.languages.en.page_count).toBe(bodies.length);
    const articles = (await listFiles(out)).filter((f) => /^articles\/[^/]+\/index\.html$/.test(f));
    expect(bodies).toEqual(expect.arrayContaining(articles));
    expect(bodies).toContain("entities/jens-stoltenberg/index.html");
    expect(bodies).toContain("topics/afghan-peace-process/index.html");
    expect(stdout).toContain(`${bodies.length} pages in the search index`);
  });

  it("indexes an entity's own words for search, not its counts, which change with every article", async () => {
    const fragmentDir = path.join(out, "pagefind", "fragment");
    const indexed = await Promise.all(
      (await readdir(fragmentDir)).map(async (file) => {
        const raw = gunzipSync(await readFile(path.join(fragmentDir, file))).toString("utf8");
        return JSON.parse(raw.slice(raw.indexOf("{"))) as { url: string; content: string };
      }),
    );
    const stoltenberg = indexed.find((f) => f.url === "/entities/jens-stoltenberg/");
    expect(stoltenberg?.content).toMatch(/^Jens Stoltenberg\. Person\. /);
    expect(stoltenberg?.content).not.toMatch(/\d+ (?:articles?|mentions?)/);
    expect(await page("entities/jens-stoltenberg/index.html")).toMatch(
      /<p class="meta">Person<span data-pagefind-ignore> · <span class="count">5 articles<\/span> · <span class="count">\d+ mentions<\/span><\/span><\/p>/,
    );
    const topic = indexed.find((f) => f.url === "/topics/afghan-peace-process/");
    expect(topic?.content).toMatch(
      /^Afghan peace process \/ US–Taliban talks\. Topic\. Negotiations/,
    );
    expect(topic?.content).not.toMatch(/\d+ articles?/);
  });

  it("gives Pagefind each indexed page cut to what it reads, and gets the same index", async () => {
    const indexed: [string, string][] = [];
    for (const file of (await listFiles(out)).filter((f) => f.endsWith(".html"))) {
      const html = await page(file);
      if (html.includes("data-pagefind-body")) indexed.push([file, html]);
    }
    const bundleOf = async (cut: boolean) => {
      const { index } = await pagefind.createIndex({});
      if (!index) throw new Error("Pagefind made no index");
      for (const [file, html] of indexed) {
        await index.addHTMLFile({ sourcePath: file, content: cut ? searchedPart(html) : html });
      }
      const { files } = await index.getFiles();
      await index.deleteIndex();
      return files
        .map((f) => [f.path, Buffer.from(f.content).toString("base64")])
        .sort(([a = ""], [b = ""]) => a.localeCompare(b));
    };
    try {
      expect(await bundleOf(true)).toEqual(await bundleOf(false));
    } finally {
      await pagefind.close();
    }
    // Not the same pages given twice: each page type is cut to a fraction of itself.
    for (const file of [
      "articles/004_2e667484c972bbe6/index.html",
      "entities/jens-stoltenberg/index.html",
      "topics/afghan-peace-process/index.html",
    ]) {
      const html = await page(file);
      expect(searchedPart(html).length, file).toBeLessThan(html.length / 2);
    }
  });

  it("lists exactly the built pages in the sitemap, and robots.txt points at it", async () => {
    const sitemap = new XMLParser()
      .parse(await page("sitemap.xml"))
      .urlset.url.map((u: { loc: string }) => u.loc);
    const pages = (await listFiles(out))
      .filter((f) => f.endsWith("index.html"))
      .map((f) => `http://localhost:8080/${f.replace(/index\.html$/, "")}`);
    expect([...sitemap].sort()).toEqual(pages.sort());
    expect(await page("robots.txt")).toContain("Sitemap: http://localhost:8080/sitemap.xml");
  });

  it("embeds JSON-LD that parses, with the article's actors as schema.org nodes", async () => {
    const html = await page("articles/001_09f78702414022e0/index.html");
    const json = /<script type="application\/ld\+json">(.*?)<\/script>/s.exec(html)?.[1] ?? "";
    const [article, breadcrumbs] = JSON.parse(json);
    expect(article["@type"]).toBe("NewsArticle");
    expect(article.datePublished).toBe("2021-04-14");
    expect(article.about["@id"]).toBe("http://localhost:8080/entities/united-states/#entity");
    expect(article.mentions.map((m: { name: string }) => m.name)).toContain("Dmytro Kuleba");
    expect(
      article.mentions.find((m: { name: string }) => m.name === "Dmytro Kuleba")["@type"],
    ).toBe("Person");
    expect(breadcrumbs["@type"]).toBe("BreadcrumbList");
  });
});

describe("builds that must not touch the previous site", () => {
  /** A copy of the content built into its own dist/, the hash of that site, and one article. */
  const builtCopy = async () => {
    const root = await copyOfContent();
    const dist = path.join(root, "dist");
    expect((await buildInto(dist, root)).code).toBe(0);
    const article = path.join(root, "content", "articles", "001_09f78702414022e0.md");
    return { root, dist, before: await hashTree(dist), article };
  };

  it("refuses bad content with file, line and field, and leaves dist/ as it was", async () => {
    const { root, dist, before, article } = await builtCopy();
    const source = await readFile(article, "utf8");
    await writeFile(article, source.replace('date: "2021-04-14"', 'date: "2021-13-40"'));
    await writeFile(
      path.join(root, "content", "articles", "evil.md"),
      "---js\n{ id: 'evil' }\n---\nBody\n",
    );
    const failed = await buildInto(dist, root);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain(
      'content/articles/001_09f78702414022e0.md:4: date: "2021-13-40" is not a valid date (expected YYYY-MM-DD)',
    );
    expect(failed.stderr).toContain(
      'content/articles/evil.md:1: front matter language "js" is not allowed; use YAML (---)',
    );
    expect(failed.stderr).not.toMatch(/\n\s+at /);
    expect(await hashTree(dist)).toBe(before);
    await rm(root, { recursive: true, force: true });
  });

  it("stops with a plain message, dist/ as it was and nothing left beside it, when Pagefind ends halfway", async () => {
    const { root, dist, before, article } = await builtCopy();
    await writeFile(article, `${await readFile(article, "utf8")}\nOne more sentence.\n`);
    // As a process killed for lack of memory would: ended while its index is being written.
    const failed = await buildInto(dist, root, stoppingPagefindEnv("WriteFiles GetFiles"));
    expect(failed.code).toBe(1);
    expect(failed.stderr.trim().split("\n").at(-1)).toBe(
      "news-archive build: Pagefind, which builds the search index, stopped (killed by SIGKILL) " +
        "while indexing search shard 0; if the system ran out of memory, lower searchShardPages " +
        "in site.yaml. The previous site is left as it was.",
    );
    expect(await hashTree(dist)).toBe(before);
    // No staging folder beside dist/: the project holds its content, its cache and its site.
    expect((await readdir(root)).sort()).toEqual([".cache", "content", "dist"]);
    // Pagefind well again, the same build goes through.
    expect((await buildInto(dist, root)).code).toBe(0);
    expect(
      await readFile(path.join(dist, "articles", "001_09f78702414022e0", "index.html"), "utf8"),
    ).toContain("One more sentence.");
    await rm(root, { recursive: true, force: true });
  });

  it("builds byte-identical output from the same content", async () => {
    const root = await mkdtemp(path.join(tmpdir(), "determinism-"));
    await buildInto(path.join(root, "a"));
    await buildInto(path.join(root, "b"));
    expect(await hashTree(path.join(root, "a"))).toBe(await hashTree(path.join(root, "b")));
    expect(await hashTree(path.join(root, "a"))).toBe(await hashTree(out));
    await rm(root, { recursive: true, force: true });
  });
});

describe("a build for a sub-path", () => {
  it("prefixes every internal link and resolves them all when served under /archive/", async () => {
    const root = await mkdtemp(path.join(tmpdir(), "prefix-"));
    const dist = path.join(root, "dist");
    const result = await buildInto(dist, REPO, {
      PATH_PREFIX: "/archive/",
      SITE_URL: "https://news.example.org",
    });
    expect(result.code).toBe(0);
    const { problems } = await checkLinks(dist, "/archive/");
    expect(problems).toEqual([]);
    const home = await readFile(path.join(dist, "index.html"), "utf8");
    const hrefs = [...home.matchAll(/href="([^"]+)"/g)].map((m) => m[1] ?? "");
    expect(hrefs.filter((h) => h.startsWith("/") && !h.startsWith("/archive/"))).toEqual([]);
    expect(home).toContain('<link rel="canonical" href="https://news.example.org/archive/"/>');
    expect(await readFile(path.join(dist, "search", "index.html"), "utf8")).toContain(
      '"bundlePath":"/archive/pagefind/"',
    );
    await rm(root, { recursive: true, force: true });
  });

  it("refuses an invalid site URL naming the variable", async () => {
    const root = await mkdtemp(path.join(tmpdir(), "badurl-"));
    const result = await buildInto(path.join(root, "dist"), REPO, { SITE_URL: "not a url" });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      "SITE_URL: url: must be an absolute http(s) URL such as https://example.org",
    );
    await rm(root, { recursive: true, force: true });
  });
});

describe("paginated lists", () => {
  it("pages entity, topic, year and index lists at the configured size, with prev/next and aria-current", async () => {
    const root = await copyOfContent();
    const config = path.join(root, "content", "site.yaml");
    await writeFile(
      config,
      (await readFile(config, "utf8")).replace("pageSize: 50", "pageSize: 5"),
    );
    const dist = path.join(root, "dist");
    expect((await buildInto(dist, root)).code).toBe(0);
    const files = await listFiles(dist);
    expect(files).toContain("entities/nato/index.html");
    expect(files).not.toContain("entities/nato/page/2/index.html");
    expect(files.filter((f) => f.startsWith("people/page/"))).toEqual([
      "people/page/2/index.html",
      "people/page/3/index.html",
      "people/page/4/index.html",
    ]);
    const second = await readFile(path.join(dist, "people", "page", "2", "index.html"), "utf8");
    expect(second).toContain('<link rel="prev" href="/people/"/>');
    expect(second).toContain('<link rel="next" href="/people/page/3/"/>');
    expect(second).toContain(
      '<a href="/people/page/2/" aria-current="page"><span class="visually-hidden">Page </span>2</a>',
    );
    expect((second.match(/<tr><th scope="row">/g) ?? []).length).toBe(5);
    const sitemap = await readFile(path.join(dist, "sitemap.xml"), "utf8");
    expect(sitemap).toContain("<loc>http://localhost:8080/people/page/4/</loc>");
    const { problems } = await checkLinks(dist);
    expect(problems).toEqual([]);
    await rm(root, { recursive: true, force: true });
  });
});

describe("timelines", () => {
  it("draws dated articles as monthly bars and estimates as ranges, with a table alternative", async () => {
    const html = await page("index.html");
    const svg =
      /<svg viewBox="0 0 720 \d+" role="img" aria-labelledby="timeline-home-title">([\s\S]*?)<\/svg>/.exec(
        html,
      )?.[1] ?? "";
    expect(svg).toContain(
      '<title id="timeline-home-title">The whole archive: 3 dated articles from July 2019 to January 2022, and 2 undated with an estimated period.</title>',
    );
    expect((svg.match(/class="bar"/g) ?? []).length).toBe(3);
    expect((svg.match(/class="estimate"/g) ?? []).length).toBe(2);
    expect(html).toContain("<summary>Timeline as a table</summary>");
    expect(html).toContain('<tr><th scope="row">April 2021</th><td>1</td></tr>');
    expect(html).toMatch(
      /<th scope="row">The Taliban believe that[^<]*<\/th><td>January 2021 – January 2022<\/td>/,
    );
    expect(await page("entities/mike-pompeo/index.html")).toContain(
      'aria-labelledby="timeline-entity-title"',
    );
  });
});
