import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { listFiles } from "../../helpers/site.ts";
import type { Problem } from "./crawl.ts";
import { fileOfUrlPath } from "./crawl.ts";
import { parseHtml } from "./html.ts";

const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@" });
const asArray = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/**
 * Every machine-readable output of a built folder parses, and every URL it gives for this site
 * names a page that exists: XML (Atom feeds, sitemaps) with a real XML parser, JSON feeds and data
 * exports with JSON.parse, JSON-LD blocks in pages. `siteUrl` is the public origin plus prefix.
 */
export async function checkMachineReadable(
  siteDir: string,
  siteUrl: string,
  prefix = "/",
): Promise<{ problems: Problem[]; checked: Record<string, number> }> {
  const problems: Problem[] = [];
  const checked: Record<string, number> = { xml: 0, json: 0, jsonLd: 0, urls: 0 };
  const files = await listFiles(siteDir);
  const pointsHome = (page: string, url: unknown, what: string) => {
    checked.urls = (checked.urls ?? 0) + 1;
    if (typeof url !== "string" || !url.startsWith(siteUrl)) {
      problems.push({ page, ref: String(url), problem: `${what} is not a URL of this site` });
      return;
    }
    const { pathname } = new URL(url);
    if (!fileOfUrlPath(siteDir, pathname, prefix))
      problems.push({ page, ref: url, problem: `${what} names a page that does not exist` });
  };

  for (const file of files.filter((f) => f.endsWith(".xml"))) {
    const text = await readFile(path.join(siteDir, file), "utf8");
    checked.xml = (checked.xml ?? 0) + 1;
    const valid = XMLValidator.validate(text);
    if (valid !== true) {
      problems.push({ page: file, ref: `line ${valid.err.line}`, problem: valid.err.msg });
      continue;
    }
    const doc = xml.parse(text) as Record<string, Record<string, unknown>>;
    if (doc.feed) {
      for (const entry of asArray(doc.feed.entry as Record<string, unknown>[])) {
        const link = asArray(entry.link as Record<string, string>[]).find(
          (l) => l["@rel"] === "alternate" || l["@rel"] === undefined,
        );
        pointsHome(file, link?.["@href"], "feed entry link");
        if (typeof entry.title !== "string" && typeof entry.title !== "number")
          problems.push({
            page: file,
            ref: JSON.stringify(entry.title),
            problem: "entry title is not text",
          });
      }
    } else if (doc.urlset) {
      for (const url of asArray(doc.urlset.url as Record<string, string>[]))
        pointsHome(file, url.loc, "sitemap <loc>");
    } else if (doc.sitemapindex) {
      for (const map of asArray(doc.sitemapindex.sitemap as Record<string, string>[]))
        pointsHome(file, map.loc, "sitemap index <loc>");
    } else
      problems.push({
        page: file,
        ref: Object.keys(doc).join(","),
        problem: "unknown XML document",
      });
  }

  for (const file of files.filter((f) => f.endsWith(".json") && !f.startsWith("pagefind/"))) {
    checked.json = (checked.json ?? 0) + 1;
    let data: unknown;
    try {
      data = JSON.parse(await readFile(path.join(siteDir, file), "utf8"));
    } catch (error) {
      problems.push({ page: file, ref: "", problem: `JSON does not parse: ${String(error)}` });
      continue;
    }
    const feed = data as { version?: string; items?: { url?: unknown; title?: unknown }[] };
    if (typeof feed.version === "string" && feed.version.startsWith("https://jsonfeed.org/")) {
      for (const item of feed.items ?? []) pointsHome(file, item.url, "JSON Feed item url");
    }
  }

  for (const file of files.filter((f) => f.endsWith(".html"))) {
    const { byTag, text } = parseHtml(await readFile(path.join(siteDir, file), "utf8"));
    for (const script of byTag("script").filter((s) => s.attribs.type === "application/ld+json")) {
      checked.jsonLd = (checked.jsonLd ?? 0) + 1;
      let data: unknown;
      try {
        data = JSON.parse(text(script));
      } catch (error) {
        problems.push({ page: file, ref: "JSON-LD", problem: `does not parse: ${String(error)}` });
        continue;
      }
      for (const node of asArray(data as Record<string, unknown> | Record<string, unknown>[])) {
        const context = node["@context"];
        if (context !== "https://schema.org" || typeof node["@type"] !== "string")
          problems.push({
            page: file,
            ref: JSON.stringify(node).slice(0, 80),
            problem: "JSON-LD node without schema.org @context and @type",
          });
      }
    }
  }
  if (existsSync(path.join(siteDir, "robots.txt"))) {
    const robots = await readFile(path.join(siteDir, "robots.txt"), "utf8");
    for (const [, url] of robots.matchAll(/^Sitemap:\s*(\S+)/gim))
      pointsHome("robots.txt", url, "Sitemap line");
  }
  return { problems, checked };
}
