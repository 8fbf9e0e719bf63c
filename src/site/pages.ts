import type { Archive } from "../archive/index.ts";
import type { EntityKind } from "../records/index.ts";
import type { SiteConfig } from "./config.ts";
import { type PageOf, pagePath, pagesOf } from "./pagination.ts";
import { entitiesOfKind, KINDS, routes } from "./views.ts";

/**
 * Every page the site writes, by kind. The templates paginate over these lists and the sitemap
 * lists them, so the two can never disagree.
 */

export interface EntityPage extends PageOf {
  id: string;
}
export interface YearPage extends PageOf {
  year: number;
}
export interface KindPage extends PageOf {
  kind: EntityKind;
}

/** Shared by everything that lists pages of one archive (see sitePages): never changed in place. */
export interface SitePages {
  articles: readonly string[];
  entityPages: readonly EntityPage[];
  topicPages: readonly EntityPage[];
  yearPages: readonly YearPage[];
  /** The list of articles with neither a date nor an estimate (by id); no page when there are none. */
  undatedPages: readonly PageOf[];
  kindPages: readonly KindPage[];
}

/**
 * Made once per archive and page size: the plan, the templates' page lists and the sitemap each
 * ask for them (20,000 descriptors at 10,000 articles).
 */
const pagesByArchive = new WeakMap<Archive, { size: number; pages: SitePages }>();

export function sitePages(archive: Archive, config: SiteConfig): SitePages {
  const size = config.pageSize;
  const known = pagesByArchive.get(archive);
  if (known?.size === size) return known.pages;
  const pages = listPages(archive, size);
  pagesByArchive.set(archive, { size, pages });
  return pages;
}

function listPages(archive: Archive, size: number): SitePages {
  return {
    articles: archive.articles.map((a) => a.id),
    entityPages: archive.entities.flatMap((e) =>
      pagesOf(routes.entity(e.id), e.occurrences.length, size).map((p) => ({ ...p, id: e.id })),
    ),
    topicPages: archive.topics.flatMap((t) =>
      pagesOf(routes.topic(t.id), t.articleIds.length, size).map((p) => ({ ...p, id: t.id })),
    ),
    yearPages: archive.years.flatMap((y) =>
      pagesOf(routes.year(y.year), y.articleIds.length, size).map((p) => ({ ...p, year: y.year })),
    ),
    undatedPages:
      archive.undatedIds.length > 0
        ? pagesOf(routes.undated(), archive.undatedIds.length, size)
        : [],
    kindPages: KINDS.flatMap((kind) =>
      pagesOf(routes.kind(kind), entitiesOfKind(archive.entities, kind).length, size).map((p) => ({
        ...p,
        kind,
      })),
    ),
  };
}

/** Each list's pages by permalink, made once per SitePages: selectPages runs once per Eleventy run. */
const permalinksOf = new WeakMap<SitePages, Record<keyof SitePages, readonly string[]>>();

function permalinks(pages: SitePages): Record<keyof SitePages, readonly string[]> {
  let known = permalinksOf.get(pages);
  if (!known) {
    const paged = (list: readonly PageOf[]) => list.map((p) => pagePath(p.base, p.number));
    known = {
      articles: pages.articles.map((id) => routes.article(id)),
      entityPages: paged(pages.entityPages),
      topicPages: paged(pages.topicPages),
      yearPages: paged(pages.yearPages),
      undatedPages: paged(pages.undatedPages),
      kindPages: paged(pages.kindPages),
    };
    permalinksOf.set(pages, known);
  }
  return known;
}

/** The pages whose output file `keep` accepts: what a build that reuses the rest renders. */
export function selectPages(pages: SitePages, keep: (permalink: string) => boolean): SitePages {
  const known = permalinks(pages);
  const kept = <T>(list: readonly T[], paths: readonly string[]) =>
    list.filter((_, i) => keep(paths[i] as string));
  return {
    articles: kept(pages.articles, known.articles),
    entityPages: kept(pages.entityPages, known.entityPages),
    topicPages: kept(pages.topicPages, known.topicPages),
    yearPages: kept(pages.yearPages, known.yearPages),
    undatedPages: kept(pages.undatedPages, known.undatedPages),
    kindPages: kept(pages.kindPages, known.kindPages),
  };
}

/** Site paths of every HTML page, for the sitemap. */
export function sitePaths(archive: Archive, config: SiteConfig): string[] {
  const pages = sitePages(archive, config);
  const paged = (list: readonly PageOf[]) => list.map((p) => pagePath(p.base, p.number));
  return [
    routes.home(),
    routes.archive(),
    routes.topics(),
    routes.about(),
    routes.search(),
    ...paged(pages.kindPages),
    ...paged(pages.yearPages),
    ...paged(pages.undatedPages),
    ...pages.articles.map((id) => routes.article(id)),
    ...paged(pages.entityPages),
    ...paged(pages.topicPages),
  ];
}

/** Where a month starts within its year's paginated list. */
export function monthPath(archive: Archive, config: SiteConfig, key: string): string {
  const year = archive.years.find((y) => y.year === Number(key.slice(0, 4)));
  const firstId = year?.months.find((m) => m.key === key)?.articleIds[0];
  const index = firstId && year ? year.articleIds.indexOf(firstId) : 0;
  const page = Math.floor(Math.max(0, index) / config.pageSize) + 1;
  return `${pagePath(routes.year(Number(key.slice(0, 4))), page)}#m${key}`;
}
