import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { XMLParser } from "fast-xml-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SiteConfig } from "../../src/site/config.ts";
import { csvCell, toCsv } from "../../src/site/exports.ts";
import { createStaticServer } from "../../src/site/serve.ts";
import { robotsTxt, sitemapFiles } from "../../src/site/sitemap.ts";
import { jsonForScript } from "../../src/site/structured.ts";

const config: SiteConfig = {
  title: "T",
  description: "D",
  url: "https://news.example.org",
  pathPrefix: "/archive/",
  pageSize: 50,
  searchShardPages: 2000,
  language: "en",
};

describe("sitemap", () => {
  it("is one file up to the limit and an index of parts past it", () => {
    const paths = ["/", "/a/", "/b/", "/c/", "/d/"];
    const single = sitemapFiles(paths, config, 5);
    expect([...single.keys()]).toEqual(["/sitemap.xml"]);
    const split = sitemapFiles(paths, config, 2);
    expect([...split.keys()]).toEqual([
      "/sitemap-1.xml",
      "/sitemap-2.xml",
      "/sitemap-3.xml",
      "/sitemap.xml",
    ]);
    const index = new XMLParser().parse(split.get("/sitemap.xml") ?? "");
    expect(index.sitemapindex.sitemap.map((s: { loc: string }) => s.loc)).toEqual([
      "https://news.example.org/archive/sitemap-1.xml",
      "https://news.example.org/archive/sitemap-2.xml",
      "https://news.example.org/archive/sitemap-3.xml",
    ]);
    const last = new XMLParser().parse(split.get("/sitemap-3.xml") ?? "");
    expect(last.urlset.url.loc).toBe("https://news.example.org/archive/d/");
    expect(robotsTxt(config)).toBe(
      "User-agent: *\nAllow: /\n\nSitemap: https://news.example.org/archive/sitemap.xml\n",
    );
  });
});

describe("CSV and JSON-LD escaping", () => {
  it("quotes per RFC 4180 and defuses spreadsheet formulas", () => {
    expect(csvCell('He said "no", then left')).toBe('"He said ""no"", then left"');
    expect(csvCell('=HYPERLINK("http://evil")')).toBe('"\'=HYPERLINK(""http://evil"")"');
    expect(csvCell("-5 troops")).toBe("'-5 troops");
    expect(csvCell(-5)).toBe("-5");
    expect(csvCell(null)).toBe("");
    expect(toCsv(["a", "b"], [["x\ny", true]])).toBe('a,b\r\n"x\ny",true\r\n');
  });

  it("keeps JSON-LD inside its script element whatever the text", () => {
    const json = jsonForScript({ headline: "</script><script>alert(1)</script> & \u2028" });
    expect(json).not.toMatch(/<|>|&|\u2028/);
    expect(JSON.parse(json).headline).toBe("</script><script>alert(1)</script> & \u2028");
  });
});

describe("preview server", () => {
  let dir: string;
  let origin: string;
  let close: () => void;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "serve-"));
    await mkdir(path.join(dir, "articles", "a"), { recursive: true });
    await writeFile(path.join(dir, "index.html"), "<h1>home</h1>");
    await writeFile(path.join(dir, "404.html"), "<h1>not found</h1>");
    await writeFile(path.join(dir, "articles", "a", "index.html"), "<h1>a</h1>");
    await writeFile(path.join(path.dirname(dir), "secret.txt"), "secret");
    const server = createStaticServer(dir, "/archive/");
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => server.close();
  });
  afterAll(async () => {
    close();
    await rm(dir, { recursive: true, force: true });
  });

  it("serves folders by their index.html under the prefix, like a static host", async () => {
    const home = await fetch(`${origin}/archive/`);
    expect(home.status).toBe(200);
    expect(home.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(await home.text()).toBe("<h1>home</h1>");
    expect(await (await fetch(`${origin}/archive/articles/a/`)).text()).toBe("<h1>a</h1>");
    const redirect = await fetch(`${origin}/archive/articles/a`, { redirect: "manual" });
    expect(redirect.status).toBe(301);
    expect(redirect.headers.get("location")).toBe("/archive/articles/a/");
  });

  it("answers missing pages with 404.html and status 404, and never leaves the folder", async () => {
    for (const url of [
      "/archive/nope/",
      "/elsewhere/",
      "/archive/../secret.txt",
      "/archive/%2e%2e/secret.txt",
      "/archive/..%2fsecret.txt",
      "/archive/a%00b",
    ]) {
      const response = await fetch(`${origin}${url}`);
      expect(response.status, url).toBe(404);
      expect(await response.text(), url).toBe("<h1>not found</h1>");
    }
  });
});

describe("a build's pages served before it is published", () => {
  it("come from the staging folder first and the site for the rest, never from outside either", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "serve-overlay-"));
    const site = path.join(dir, "site");
    const staged = path.join(dir, "staged");
    await mkdir(path.join(site, "articles", "a"), { recursive: true });
    await mkdir(path.join(staged, "articles", "a"), { recursive: true });
    await mkdir(path.join(staged, "articles", "new"), { recursive: true });
    await writeFile(path.join(site, "404.html"), "<h1>not found</h1>");
    await writeFile(path.join(site, "articles", "a", "index.html"), "<h1>old a</h1>");
    await writeFile(path.join(site, "style.css"), "kept");
    await writeFile(path.join(staged, "articles", "a", "index.html"), "<h1>new a</h1>");
    await writeFile(path.join(staged, "articles", "new", "index.html"), "<h1>new</h1>");
    await writeFile(path.join(dir, "secret.txt"), "secret");
    let overlay: string | null = staged;
    const server = createStaticServer(site, "/", { overlay: () => overlay });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const text = async (url: string) => (await fetch(`${origin}${url}`)).text();
    try {
      expect(await text("/articles/a/")).toBe("<h1>new a</h1>");
      expect(await text("/articles/new/")).toBe("<h1>new</h1>");
      expect(await text("/style.css")).toBe("kept");
      // Sent as written (fetch would collapse "/../" itself): the server must keep it inside.
      expect(await text("/..%2fsecret.txt")).toBe("<h1>not found</h1>");
      expect(await text("/articles/..%2f..%2f..%2fsecret.txt")).toBe("<h1>not found</h1>");
      // Published: the staging folder is gone and the site is served alone.
      overlay = null;
      expect(await text("/articles/a/")).toBe("<h1>old a</h1>");
      expect((await fetch(`${origin}/articles/new/`)).status).toBe(404);
      // A staging folder that has just been published away is no error.
      overlay = path.join(dir, "gone");
      expect(await text("/articles/a/")).toBe("<h1>old a</h1>");
    } finally {
      server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
