import { XMLParser, XMLValidator } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { sitePaths } from "../../src/site/pages.ts";
import { robotsTxt, SITEMAP_LIMIT, sitemapFiles } from "../../src/site/sitemap.ts";
import { config, testArchive } from "./corpus.ts";

const parser = new XMLParser({ isArray: (name) => name === "url" || name === "sitemap" });

function locs(xml: string): string[] {
  expect(XMLValidator.validate(xml)).toBe(true);
  const doc = parser.parse(xml) as {
    urlset?: { url: { loc: string }[] };
    sitemapindex?: { sitemap: { loc: string }[] };
  };
  return (doc.urlset?.url ?? doc.sitemapindex?.sitemap ?? []).map((u) => u.loc);
}

describe("sitemap.xml", () => {
  it("lists exactly the archive's pages as absolute URLs under the prefix", () => {
    const archive = testArchive();
    const files = sitemapFiles(sitePaths(archive, config), config);
    expect([...files.keys()]).toEqual(["/sitemap.xml"]);
    const urls = locs(files.get("/sitemap.xml") ?? "");
    const expected = [
      "/",
      "/archive/",
      "/topics/",
      "/about/",
      "/search/",
      "/people/",
      "/organizations/",
      "/places/",
      "/archive/2021/",
      "/archive/undated/",
      ...archive.articles.map((a) => `/articles/${a.id}/`),
      ...archive.entities.map((e) => `/entities/${e.id}/`),
      "/topics/withdrawal/",
      "/topics/empty-topic/",
    ].map((p) => `https://news.example.org/wire${p}`);
    expect([...urls].sort()).toEqual([...expected].sort());
    expect(new Set(urls).size).toBe(urls.length);
  });

  it("escapes URLs so the file stays well-formed XML", () => {
    const files = sitemapFiles(["/a/?x=1&y=<2>/"], config);
    expect(locs(files.get("/sitemap.xml") ?? "")).toEqual([
      "https://news.example.org/wire/a/?x=1&y=<2>/",
    ]);
  });

  it("becomes an index of files of at most 50,000 URLs past the protocol's limit", () => {
    expect(SITEMAP_LIMIT).toBe(50_000);
    const paths = Array.from({ length: 100_001 }, (_, i) => `/articles/a${i}/`);
    const files = sitemapFiles(paths, config);
    expect([...files.keys()].sort()).toEqual([
      "/sitemap-1.xml",
      "/sitemap-2.xml",
      "/sitemap-3.xml",
      "/sitemap.xml",
    ]);
    expect(locs(files.get("/sitemap.xml") ?? "")).toEqual([
      "https://news.example.org/wire/sitemap-1.xml",
      "https://news.example.org/wire/sitemap-2.xml",
      "https://news.example.org/wire/sitemap-3.xml",
    ]);
    const parts = ["/sitemap-1.xml", "/sitemap-2.xml", "/sitemap-3.xml"].map((name) =>
      locs(files.get(name) ?? ""),
    );
    expect(parts.map((p) => p.length)).toEqual([50_000, 50_000, 1]);
    expect(parts.flat()).toEqual(paths.map((p) => `https://news.example.org/wire${p}`));
  });

  it("stays a single file at exactly 50,000 URLs", () => {
    const paths = Array.from({ length: 50_000 }, (_, i) => `/p${i}/`);
    expect([...sitemapFiles(paths, config).keys()]).toEqual(["/sitemap.xml"]);
  });
});

describe("robots.txt", () => {
  it("allows crawling and names the sitemap by its absolute URL", () => {
    const lines = robotsTxt(config).split("\n");
    expect(lines).toContain("User-agent: *");
    expect(lines).toContain("Sitemap: https://news.example.org/wire/sitemap.xml");
    expect(lines.filter((l) => l.startsWith("Disallow: /"))).toEqual([]);
    const atRoot = robotsTxt({ ...config, pathPrefix: "/" });
    expect(atRoot).toContain("Sitemap: https://news.example.org/sitemap.xml\n");
  });
});
