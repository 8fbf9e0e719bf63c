import { dateToRfc3339 } from "@11ty/eleventy-plugin-rss";
import type { Archive, ArchiveArticle } from "../archive/index.ts";
import type { SiteConfig } from "./config.ts";
import { absoluteUrl, routes } from "./views.ts";

/**
 * Atom and JSON Feed 1.1 for the archive and for every entity and topic. Item ids are URNs built
 * from article ids, so they survive a change of host or path prefix; "updated" is the newest
 * item's date, never the build time, so unchanged content gives unchanged feeds.
 */

export interface FeedScope {
  /** Site path of the page the feed belongs to. */
  path: string;
  title: string;
  articleIds: readonly string[];
}

export const FEED_SIZE = 50;

/**
 * The feed scopes of an archive, made once per archive and title: the plan, the page lists and
 * the feeds template all ask for them, and each list copies every entity's article ids. Kept here,
 * not in the feeds template: a build renders in several Eleventy runs and each loads the template
 * module anew, so a template module's own memo would be rebuilt per run and, from the last run,
 * keep the archive alive through the search stage.
 */
const scopesByArchive = new WeakMap<
  Archive,
  { title: string; scopes: FeedScope[]; byPath: Map<string, FeedScope> }
>();

function scopesOf(archive: Archive, siteTitle: string) {
  let known = scopesByArchive.get(archive);
  if (known?.title !== siteTitle) {
    const scopes = [
      { path: routes.home(), title: siteTitle, articleIds: archive.articles.map((a) => a.id) },
      ...archive.entities.map((e) => ({
        path: routes.entity(e.id),
        title: `${e.name} · ${siteTitle}`,
        articleIds: e.occurrences.map((o) => o.articleId),
      })),
      ...archive.topics.map((t) => ({
        path: routes.topic(t.id),
        title: `${t.label} · ${siteTitle}`,
        articleIds: t.articleIds,
      })),
    ];
    known = { title: siteTitle, scopes, byPath: new Map(scopes.map((s) => [s.path, s])) };
    scopesByArchive.set(archive, known);
  }
  return known;
}

export function feedScopes(archive: Archive, siteTitle: string): readonly FeedScope[] {
  return scopesOf(archive, siteTitle).scopes;
}

export function feedScope(archive: Archive, siteTitle: string, scopePath: string): FeedScope {
  const scope = scopesOf(archive, siteTitle).byPath.get(scopePath);
  if (!scope) throw new Error(`No feed for ${scopePath}`);
  return scope;
}

export const feedPaths = (scopePath: string) => ({
  atom: `${scopePath}feed.xml`,
  json: `${scopePath}feed.json`,
});

const itemId = (article: ArchiveArticle) => `urn:news-archive:article:${article.id}`;
/**
 * A header's own time when it gave one, else midnight UTC of the day, formatted by the Eleventy
 * RSS plugin. A time without a zone is read as UTC, so the feed never depends on the build
 * machine's zone. Callers pass only real dates: an undated article gets no invented one.
 */
function timestamp(date: string): string {
  if (date.length <= 10) return dateToRfc3339(new Date(`${date}T00:00:00Z`));
  const zoned = /(?:Z|[+-]\d{2}:?\d{2})$/.test(date)
    ? date.replace(/([+-]\d{2})(\d{2})$/, "$1:$2")
    : `${date}Z`;
  return dateToRfc3339(new Date(zoned));
}

/**
 * Atom requires a feed-level date even when no entry has one; the Unix epoch then says "unknown"
 * without varying from build to build.
 */
const UNKNOWN_DATE = "1970-01-01";

function xmlEscape(text: string): string {
  return (
    text
      .replace(/&/g, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;")
      // Characters XML 1.0 forbids would make the whole feed unreadable.
      // biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point.
      .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, "")
  );
}

function summaryOf(article: ArchiveArticle): string {
  const { lead } = article;
  return lead.length > 500 ? `${lead.slice(0, 500).replace(/\s+\S*$/, "")}…` : lead;
}

function itemsOf(archive: Archive, scope: FeedScope): ArchiveArticle[] {
  return scope.articleIds.slice(0, FEED_SIZE).flatMap((id) => archive.articleById.get(id) ?? []);
}

/** The article's date, or the start of its estimated period; null for neither. */
const itemDate = (a: ArchiveArticle) => a.date ?? a.sortDate;

export function atomFeed(archive: Archive, config: SiteConfig, scope: FeedScope): string {
  // Atom requires a date on every entry; an article with neither a date nor an estimate has none to
  // give, so it appears in the JSON Feed (where dates are optional) and on the pages, not here.
  const items = itemsOf(archive, scope).filter((a) => itemDate(a) !== null);
  const self = absoluteUrl(config, feedPaths(scope.path).atom);
  const newest = items
    .map(itemDate)
    .filter((d) => d !== null)
    .sort()
    .at(-1);
  const updated = timestamp(newest ?? UNKNOWN_DATE);
  const entries = items.map((a) => {
    const url = absoluteUrl(config, routes.article(a.id));
    return [
      "  <entry>",
      `    <id>${itemId(a)}</id>`,
      `    <title>${xmlEscape(a.title)}</title>`,
      `    <link rel="alternate" type="text/html" href="${xmlEscape(url)}"/>`,
      `    <updated>${timestamp(itemDate(a) ?? UNKNOWN_DATE)}</updated>`,
      a.date ? `    <published>${timestamp(a.date)}</published>` : null,
      `    <summary>${xmlEscape(summaryOf(a))}</summary>`,
      "  </entry>",
    ]
      .filter((line) => line !== null)
      .join("\n");
  });
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<feed xmlns="http://www.w3.org/2005/Atom">',
    `  <id>urn:news-archive:feed:${scope.path}</id>`,
    `  <title>${xmlEscape(scope.title)}</title>`,
    `  <link rel="self" type="application/atom+xml" href="${xmlEscape(self)}"/>`,
    `  <link rel="alternate" type="text/html" href="${xmlEscape(absoluteUrl(config, scope.path))}"/>`,
    `  <updated>${updated}</updated>`,
    `  <author><name>${xmlEscape(config.title)}</name></author>`,
    ...entries,
    "</feed>",
    "",
  ].join("\n");
}

export function jsonFeed(archive: Archive, config: SiteConfig, scope: FeedScope): string {
  const items = itemsOf(archive, scope);
  const feed = {
    version: "https://jsonfeed.org/version/1.1",
    title: scope.title,
    home_page_url: absoluteUrl(config, scope.path),
    feed_url: absoluteUrl(config, feedPaths(scope.path).json),
    language: config.language,
    items: items.map((a) => {
      const date = itemDate(a);
      return {
        id: itemId(a),
        url: absoluteUrl(config, routes.article(a.id)),
        title: a.title,
        content_text: summaryOf(a),
        ...(a.date ? { date_published: timestamp(a.date) } : {}),
        ...(date ? { date_modified: timestamp(date) } : {}),
      };
    }),
  };
  return `${JSON.stringify(feed, null, 2)}\n`;
}
