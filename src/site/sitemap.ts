import type { SiteConfig } from "./config.ts";
import { absoluteUrl } from "./views.ts";

/** The sitemap protocol's limit of URLs per file; past it, a sitemap index lists the parts. */
export const SITEMAP_LIMIT = 50_000;

const xml = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function urlset(urls: string[]): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    ...urls.map((u) => `  <url><loc>${xml(u)}</loc></url>`),
    "</urlset>",
    "",
  ].join("\n");
}

/** sitemap.xml, and sitemap-N.xml parts when there are more URLs than one file may hold. */
export function sitemapFiles(
  paths: string[],
  config: SiteConfig,
  limit = SITEMAP_LIMIT,
): Map<string, string> {
  const urls = paths.map((p) => absoluteUrl(config, p));
  const files = new Map<string, string>();
  if (urls.length <= limit) {
    files.set("/sitemap.xml", urlset(urls));
    return files;
  }
  const parts: string[] = [];
  for (let i = 0; i < urls.length; i += limit) {
    const name = `/sitemap-${parts.length + 1}.xml`;
    files.set(name, urlset(urls.slice(i, i + limit)));
    parts.push(absoluteUrl(config, name));
  }
  files.set(
    "/sitemap.xml",
    [
      '<?xml version="1.0" encoding="UTF-8"?>',
      '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
      ...parts.map((p) => `  <sitemap><loc>${xml(p)}</loc></sitemap>`),
      "</sitemapindex>",
      "",
    ].join("\n"),
  );
  return files;
}

export function robotsTxt(config: SiteConfig): string {
  return `User-agent: *\nAllow: /\n\nSitemap: ${absoluteUrl(config, "/sitemap.xml")}\n`;
}
