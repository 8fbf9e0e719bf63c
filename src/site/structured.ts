import type { ArchiveArticle, ArchiveEntity } from "../archive/index.ts";
import type { SiteConfig } from "./config.ts";
import type { Crumb } from "./views.ts";
import { absoluteUrl, routes } from "./views.ts";

/** schema.org data for search engines, built from the same records the page shows. */

const SCHEMA_TYPES = { person: "Person", organization: "Organization", place: "Place" } as const;

export const entityNodeId = (config: SiteConfig, id: string) =>
  `${absoluteUrl(config, routes.entity(id))}#entity`;

/**
 * An entity as other pages name it: enough to identify it, with `@id` pointing at the full node
 * on its own page. Descriptions and alternate names stay there, so editing them in the knowledge
 * base re-renders one page rather than every article naming the entity.
 */
export function entityReference(config: SiteConfig, entity: ArchiveEntity) {
  return {
    "@type": SCHEMA_TYPES[entity.kind],
    "@id": entityNodeId(config, entity.id),
    name: entity.name,
    url: absoluteUrl(config, routes.entity(entity.id)),
  };
}

/** An entity on its own page: the reference and everything the knowledge base says of it. */
export function entityNode(config: SiteConfig, entity: ArchiveEntity) {
  return {
    ...entityReference(config, entity),
    ...(entity.description ? { description: entity.description } : {}),
    ...(entity.aliases.length > 0 ? { alternateName: entity.aliases } : {}),
  };
}

export function newsArticleNode(
  config: SiteConfig,
  article: ArchiveArticle,
  entities: ArchiveEntity[],
) {
  const [about, ...mentions] = entities;
  return {
    "@context": "https://schema.org",
    "@type": "NewsArticle",
    "@id": `${absoluteUrl(config, routes.article(article.id))}#article`,
    headline: article.title.slice(0, 110),
    url: absoluteUrl(config, routes.article(article.id)),
    ...(article.date ? { datePublished: article.date } : {}),
    ...(article.source ? { publisher: { "@type": "Organization", name: article.source } } : {}),
    ...(article.dateline ? { locationCreated: { "@type": "Place", name: article.dateline } } : {}),
    isPartOf: { "@type": "WebSite", name: config.title, url: absoluteUrl(config, "/") },
    ...(about ? { about: entityReference(config, about) } : {}),
    mentions: mentions.map((e) => entityReference(config, e)),
  };
}

export function breadcrumbNode(
  config: SiteConfig,
  crumbs: Crumb[],
  current: { label: string; path: string },
) {
  return {
    "@context": "https://schema.org",
    "@type": "BreadcrumbList",
    itemListElement: [{ label: "Home", path: "/" }, ...crumbs, current].map((c, i) => ({
      "@type": "ListItem",
      position: i + 1,
      name: c.label,
      item: absoluteUrl(config, c.path),
    })),
  };
}

/**
 * JSON for a <script type="application/ld+json"> element. "<", ">" and "&" are escaped so a title
 * such as "</script><script>…" can never end the element; U+2028/9 so old parsers never choke.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}
