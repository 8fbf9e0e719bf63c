import type { ArchiveArticle, ArchiveEntity } from "../archive/index.ts";
import type { EntityKind } from "../records/index.ts";
import type { SiteConfig } from "./config.ts";

export interface Crumb {
  label: string;
  path: string;
}

/** Stable URLs: derived from ids only, never from file paths or titles. */
export const routes = {
  home: () => "/",
  article: (id: string) => `/articles/${id}/`,
  entity: (id: string) => `/entities/${id}/`,
  topic: (id: string) => `/topics/${id}/`,
  topics: () => "/topics/",
  kind: (kind: EntityKind) => `/${KIND_PATHS[kind]}/`,
  archive: () => "/archive/",
  year: (year: number) => `/archive/${year}/`,
  undated: () => "/archive/undated/",
  about: () => "/about/",
  search: () => "/search/",
  stylesheet: () => "/assets/style.css",
};

export const KIND_PATHS: Record<EntityKind, string> = {
  person: "people",
  organization: "organizations",
  place: "places",
};

export const KIND_LABELS: Record<EntityKind, { singular: string; plural: string }> = {
  person: { singular: "Person", plural: "People" },
  organization: { singular: "Organization", plural: "Organizations" },
  place: { singular: "Place", plural: "Places" },
};

export const KINDS: EntityKind[] = ["person", "organization", "place"];

/** A site path with the configured prefix: "/archive/" + "/articles/x/" → "/archive/articles/x/". */
export function href(config: SiteConfig, sitePath: string): string {
  return config.pathPrefix + sitePath.replace(/^\//, "");
}

/** Absolute URL of a site path, for feeds, sitemaps and canonical links. */
export function absoluteUrl(config: SiteConfig, sitePath: string): string {
  return config.url + href(config, sitePath);
}

const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

export function monthName(month: number): string {
  return MONTHS[month - 1] ?? String(month);
}

/** 2021-04-14 → 14 April 2021; locale-independent so every machine builds the same bytes. */
export function formatDate(day: string): string {
  const [year, month, date] = day.slice(0, 10).split("-").map(Number);
  return `${date} ${monthName(month ?? 0)} ${year}`;
}

export function formatMonth(key: string): string {
  return `${monthName(Number(key.slice(5, 7)))} ${key.slice(0, 4)}`;
}

/** How an article's date reads in lists: the date, an estimate, or "Undated". */
export function dateLabel(article: ArchiveArticle): string {
  if (article.date) return formatDate(article.date);
  const estimate = article.analysis.estimatedPeriod;
  if (estimate)
    return `Undated (estimated ${formatMonth(estimate.from)} – ${formatMonth(estimate.to)})`;
  return "Undated";
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

export function entitiesOfKind(
  entities: readonly ArchiveEntity[],
  kind: EntityKind,
): ArchiveEntity[] {
  return entities.filter((e) => e.kind === kind);
}
