import type { Archive } from "../archive/index.ts";
import type { SiteConfig } from "./config.ts";
import { DATA_EXPORT_PATHS } from "./exports.ts";
import { feedScopes } from "./feeds.ts";
import { sitePages, sitePaths } from "./pages.ts";
import { sitemapFiles } from "./sitemap.ts";

export interface EveryPage {
  feeds: { scope: string; format: "atom" | "json" }[];
  outputs: string[];
  pages: ReturnType<typeof sitePages>;
  /** The sitemap's files by site path, with their text. */
  sitemaps: ReadonlyMap<string, string>;
}

/**
 * Every page of the archive, listed once per archive however many Eleventy runs write them (a
 * large build renders in several runs; the lists and the sitemap would otherwise be made anew for each).
 */
const everyPageOf = new WeakMap<object, EveryPage>();
export function everyPage(archive: Archive, config: SiteConfig): EveryPage {
  let all = everyPageOf.get(archive);
  if (!all) {
    const sitemaps = sitemapFiles(sitePaths(archive, config), config);
    all = {
      feeds: feedScopes(archive, config.title).flatMap((scope) =>
        (["atom", "json"] as const).map((format) => ({ scope: scope.path, format })),
      ),
      outputs: [...DATA_EXPORT_PATHS, "/robots.txt", ...sitemaps.keys()],
      pages: sitePages(archive, config),
      sitemaps,
    };
    everyPageOf.set(archive, all);
  }
  return all;
}
