import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { crawl } from "./lib/crawl.ts";
import { liveMarkupIn } from "./lib/live-markup.ts";
import { checkMachineReadable } from "./lib/machine.ts";
import { validateHtml } from "./lib/validate.ts";

/** The checkers find what they are meant to find: each is run on a small site with known faults. */

const doc = (body: string, head = "") =>
  `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>T</title>${head}</head><body>${body}</body></html>\n`;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "quality-lib-"));
  const files: Record<string, string> = {
    "index.html": doc(
      `<main><a href="a.html">a</a> <a href="/b/#there">b</a> <a href="/b/#missing">b</a>
       <a href="/missing/">m</a> <a href="#nope">n</a> <a href="/b">no slash</a>
       <a href="javascript:alert(1)">js</a> <a href="https://example.org/">out</a>
       <img src="/img.png" alt=""> <img srcset="/b/x.png 1x, /ok.png 2x" alt=""></main>`,
      '<link rel="stylesheet" href="/s.css"><script src="/app.js"></script>',
    ),
    "a.html": doc('<p id="x">a</p><a href="../index.html#x">bad anchor</a><a href="./">home</a>'),
    "b/index.html": doc('<p id="there">b</p><a href="../a.html">a</a>'),
    "c/index.html": doc("<p>nobody links here</p>"),
    "404.html": doc("<p>not found</p>"),
    "s.css":
      "body { background: url('/bg.png') } @font-face { src: url(data:font/woff2;base64,AA) }",
    "ok.png": "png",
    "app.js": "",
    "sitemap.xml": `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://s.test/</loc></url><url><loc>https://s.test/gone/</loc></url><url><loc>https://other.test/</loc></url></urlset>`,
    "feed.xml": "<feed><entry><title>x</entry></feed>",
    "feed.json":
      '{"version":"https://jsonfeed.org/version/1.1","items":[{"url":"https://s.test/b/"},{"url":"https://s.test/nope/"}]}',
    "data.json": "{not json",
  };
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), text);
  }
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("crawl", () => {
  it("reports every broken reference and unreachable page, and nothing that works", async () => {
    const { problems, unreachable } = await crawl(dir);
    expect(problems).toEqual([
      { page: "a.html", ref: "../index.html#x", problem: 'index.html has no element id="x"' },
      {
        page: "index.html",
        ref: "/b/#missing",
        problem: 'b/index.html has no element id="missing"',
      },
      { page: "index.html", ref: "/missing/", problem: "nothing is served at /missing/" },
      { page: "index.html", ref: "#nope", problem: 'index.html has no element id="nope"' },
      { page: "index.html", ref: "/b", problem: "nothing is served at /b" },
      { page: "index.html", ref: "javascript:alert(1)", problem: "unsafe URL scheme" },
      { page: "index.html", ref: "/img.png", problem: "nothing is served at /img.png" },
      { page: "index.html", ref: "/b/x.png", problem: "nothing is served at /b/x.png" },
      { page: "s.css", ref: "/bg.png", problem: "nothing is served at /bg.png" },
    ]);
    expect(unreachable).toEqual(["c/index.html"]);
  });

  it("resolves against the path prefix the site is served under", async () => {
    const { problems } = await crawl(dir, "/archive/");
    expect(problems).toContainEqual({
      page: "index.html",
      ref: "/s.css",
      problem: "nothing is served at /s.css",
    });
  });
});

describe("liveMarkupIn", () => {
  it("finds scripts, handlers, frames, script URLs, external loads and CSS expressions", () => {
    const html = doc(
      `<script>alert(1)</script><a href=" jav&#x09;ascript:alert(1)" onclick="x">a</a>
       <iframe src="/f"></iframe><img src="https://evil.test/p.gif" alt="">
       <div style="width:expression(alert(1))">d</div><svg><a xlink:href="data:text/html,x">s</a></svg>`,
      '<script type="application/ld+json">{"a": </script>',
    );
    expect(liveMarkupIn(html, "x.html").map((p) => p.problem)).toEqual([
      "JSON-LD block does not parse",
      "script that is not the site's own",
      "script URL in href",
      "event handler on <a>",
      "forbidden element",
      "<img> loads from another origin",
      "style attribute that runs or loads something",
      "script URL in xlink:href",
    ]);
  });

  it("accepts the site's own JSON-LD and, on the search page only, Pagefind", () => {
    const search = doc(
      '<div id="search"></div><script src="/pagefind/pagefind-ui.js"></script><script>new PagefindUI({"element":"#search"});</script>',
      '<script type="application/ld+json">{"@context":"https://schema.org","@type":"WebSite"}</script>',
    );
    expect(liveMarkupIn(search, "search/index.html")).toEqual([]);
    expect(liveMarkupIn(search, "index.html").map((p) => p.problem)).toEqual([
      "script that is not the site's own",
      "script that is not the site's own",
    ]);
  });
});

describe("validateHtml", () => {
  it("reports html-validate errors with page, line and rule", async () => {
    await writeFile(path.join(dir, "c", "index.html"), doc('<p id="d">x</p><p id="d">y</p>'));
    const problems = await validateHtml(dir);
    expect(problems.map((p) => [p.page, p.rule, p.selector])).toEqual([
      ["c/index.html", "no-dup-id", "html > body > p:nth-child(2)"],
      ["index.html", "element-required-attributes", "html > body > main > img:nth-child(10)"],
    ]);
  });
});

describe("checkMachineReadable", () => {
  it("reports XML that does not parse, JSON that does not parse and URLs to missing pages", async () => {
    const { problems } = await checkMachineReadable(dir, "https://s.test/");
    expect(problems.map((p) => [p.page, p.ref, p.problem])).toEqual([
      [
        "feed.xml",
        "line 1",
        "Expected closing tag 'title' (opened in line 1, col 14) instead of closing tag 'entry'.",
      ],
      ["sitemap.xml", "https://s.test/gone/", "sitemap <loc> names a page that does not exist"],
      ["sitemap.xml", "https://other.test/", "sitemap <loc> is not a URL of this site"],
      ["data.json", "", expect.stringMatching(/^JSON does not parse: SyntaxError/)],
      ["feed.json", "https://s.test/nope/", "JSON Feed item url names a page that does not exist"],
    ]);
  });
});
