import { atomFeed, type FeedScope, feedPaths, feedScopes, jsonFeed } from "../src/site/feeds.ts";
import { loadedProject } from "../src/site/project.ts";

interface FeedPage {
  feed: { scope: string; format: "atom" | "json" };
}

export const data = {
  pagination: { data: "pages.feeds", size: 1, alias: "feed" },
  permalink: (page: FeedPage) => feedPaths(page.feed.scope)[page.feed.format],
  eleventyExcludeFromCollections: true,
};

let scopes: { key: unknown; byPath: Map<string, FeedScope> } | null = null;

function scopeFor(path: string): FeedScope {
  const { archive, config } = loadedProject();
  if (scopes?.key !== archive) {
    scopes = {
      key: archive,
      byPath: new Map(feedScopes(archive, config.title).map((s) => [s.path, s])),
    };
  }
  const scope = scopes.byPath.get(path);
  if (!scope) throw new Error(`No feed for ${path}`);
  return scope;
}

export function render(page: FeedPage): string {
  const { archive, config } = loadedProject();
  const scope = scopeFor(page.feed.scope);
  return page.feed.format === "atom"
    ? atomFeed(archive, config, scope)
    : jsonFeed(archive, config, scope);
}
