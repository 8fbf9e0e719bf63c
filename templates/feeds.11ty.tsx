import { atomFeed, feedPaths, feedScope, jsonFeed } from "../src/site/feeds.ts";
import { loadedProject } from "../src/site/project.ts";

interface FeedPage {
  feed: { scope: string; format: "atom" | "json" };
}

export const data = {
  pagination: { data: "pages.feeds", size: 1, alias: "feed" },
  permalink: (page: FeedPage) => feedPaths(page.feed.scope)[page.feed.format],
  eleventyExcludeFromCollections: true,
};

export function render(page: FeedPage): string {
  const { archive, config } = loadedProject();
  const scope = feedScope(archive, config.title, page.feed.scope);
  return page.feed.format === "atom"
    ? atomFeed(archive, config, scope)
    : jsonFeed(archive, config, scope);
}
