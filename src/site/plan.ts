import { createHash } from "node:crypto";
import { type ArchiveEntity, type ArchiveTopic, codeDigest } from "../archive/index.ts";
import type { SiteConfig } from "./config.ts";
import { DATA_EXPORT_PATHS, type ExportedPart, exportedPart } from "./exports.ts";
import { FEED_SIZE, feedPaths, feedScopes } from "./feeds.ts";
import { type SitePages, sitePages } from "./pages.ts";
import { type PageOf, pagePath, sliceFor } from "./pagination.ts";
import type { Project } from "./project.ts";
import { entitiesOfKind, KINDS, routes } from "./views.ts";

/**
 * What each page is made of, as one hash per output file, so a build writes only the pages whose
 * inputs changed and keeps the others as they are. A page's hash covers the site's code and
 * settings, and the digests of exactly the articles, entities and topics the page shows; a page
 * left out of the plan (the home page, indexes of everything) is always written.
 */

/**
 * Hash of the parts, each followed by a NUL, in one update. An array, not arguments: the first
 * page of an entity named in every article has a part per article, and V8 refuses a call of more
 * than about 120,000 arguments.
 */
const hash = (parts: readonly string[]) =>
  createHash("sha256")
    .update(`${parts.join("\0")}\0`)
    .digest("hex")
    .slice(0, 32);

/** The output file of a permalink, relative to the site folder. */
export function outputFile(permalink: string): string {
  const relative = permalink.replace(/^\/+/, "");
  return relative === "" || relative.endsWith("/") ? `${relative}index.html` : relative;
}

/** Libraries whose output lands in the site: pages, and Pagefind's search bundles. */
const RENDER_LIBRARIES = [
  "@11ty/eleventy",
  "@11ty/eleventy-plugin-rss",
  "pagefind",
  "preact",
  "preact-render-to-string",
];

/**
 * Hash of the code that turns the archive into pages (this stage and the ones it reads records
 * through, the templates with their stylesheet, the Eleventy config and the rendering libraries)
 * and of the settings: a change to any rewrites every page.
 */
export async function siteDigest(config: SiteConfig): Promise<string> {
  const code = await codeDigest(
    [".eleventy.ts", "src/site", "src/archive", "src/records", "templates"],
    RENDER_LIBRARIES,
  );
  return hash([code, JSON.stringify(config)]);
}

export interface RenderPlan {
  /** Every planned output file and the hash of its inputs. */
  outputs: Map<string, string>;
  /**
   * The pages search indexes (articles, and the first page of each entity and topic), each with
   * a hash of its indexed part only: not the lists of other articles or the counts, which search
   * leaves out.
   */
  search: Map<string, string>;
  /**
   * The data exports, streamed to disk rather than rendered, each hashed over what it shows of
   * every article or entity, and the knowledge base (entity and topic names).
   */
  exports: Map<string, string>;
}

/** How many pages search indexes: one per article, and the first page of each entity and topic. */
export function indexedPageCount(archive: Project["archive"]): number {
  return archive.articles.length + archive.entities.length + archive.topics.length;
}

export function planOutputs(
  project: Project,
  articleDigests: ReadonlyMap<string, string>,
  site: string,
): RenderPlan {
  const { archive, config } = project;
  const size = config.pageSize;
  const article = (id: string) => articleDigests.get(id) ?? "missing";
  // What other pages show of an entity (links, search filters, structured data): all of its own
  // fields; its own page and the kind indexes also show its counts.
  const cards = new Map<string, string>();
  const entityCard = (id: string) => {
    let digest = cards.get(id);
    if (digest === undefined) {
      const e = archive.entityById.get(id);
      if (e) {
        const { occurrences: _, coMentions: __, mentionCount: ___, ...own } = e;
        digest = hash([JSON.stringify(own)]);
      } else digest = "missing";
      cards.set(id, digest);
    }
    return digest;
  };
  const entityFull = (e: ArchiveEntity) =>
    `${entityCard(e.id)}:${e.occurrences.length}:${e.mentionCount}`;
  const topicOwn = (t: ArchiveTopic) =>
    hash([t.id, t.label, t.definition, String(t.articleIds.length)]);
  const topicLink = (id: string) => {
    const t = archive.topicById.get(id);
    return t ? `${t.id}|${t.label}` : "missing";
  };
  const plan = new Map<string, string>();
  const pages: SitePages = sitePages(archive, config);
  /** A page of a paginated list; the page number and count show on it (pager, title). */
  const planListPage = (page: PageOf, kind: string, shows: readonly string[]) =>
    plan.set(
      outputFile(pagePath(page.base, page.number)),
      hash([site, kind, `${page.number}/${page.count}`, ...shows]),
    );
  // The first page of an entity or topic draws a timeline of every article; later pages show
  // their slice only.
  const shownOn = <T>(items: readonly T[], page: PageOf) =>
    page.number === 1 ? items : sliceFor(items, page, size);
  const search = new Map<string, string>();

  // What an article's indexed part shows of an entity: its name and kind, as search filters.
  const entityFilter = (id: string) => {
    const e = archive.entityById.get(id);
    return e ? `${e.id}|${e.name}|${e.kind}` : "missing";
  };
  // What the whole article page shows of it (the facts aside, its links, its structured data):
  // that, and whether it was detected; not its description, aliases or roles.
  const entityMention = (id: string) =>
    `${entityFilter(id)}|${archive.entityById.get(id)?.discovered ?? ""}`;
  for (const id of pages.articles) {
    const a = archive.articleById.get(id);
    if (!a) continue;
    const topics = [...a.analysis.topics.map((t) => t.id), ...a.topics].map(topicLink);
    // Search reads the article and its filters; an entity's description, aliases or roles, which
    // the article's page does not show, leave the page and its shard as they were.
    search.set(
      outputFile(routes.article(id)),
      hash([
        site,
        project.searchDigests.get(id) ?? "missing",
        ...a.analysis.entities.map((e) => entityFilter(e.id)),
        ...topics,
      ]),
    );
    const shows = [article(id), ...a.analysis.entities.map((e) => entityMention(e.id)), ...topics];
    plan.set(
      outputFile(routes.article(id)),
      hash([
        site,
        "article",
        ...shows,
        ...archive.related(id).map((r) => `${r.id}:${article(r.id)}`),
      ]),
    );
  }
  for (const page of pages.entityPages) {
    const e = archive.entityById.get(page.id);
    if (!e) continue;
    // Search indexes an entity's own fields, not its counts (see the entity template).
    if (page.number === 1) search.set(outputFile(page.base), hash([site, entityCard(e.id)]));
    planListPage(page, "entity", [
      entityFull(e),
      ...shownOn(e.occurrences, page).map(
        (o) => `${o.articleId}:${article(o.articleId)}:${o.mentions}`,
      ),
      // Co-mentioned entities appear as links: their name, nothing else of theirs.
      ...e.coMentions.map(
        (co) => `${co.id}:${archive.entityById.get(co.id)?.name ?? ""}:${co.count}`,
      ),
    ]);
  }
  for (const page of pages.topicPages) {
    const t = archive.topicById.get(page.id);
    if (!t) continue;
    if (page.number === 1) {
      search.set(outputFile(page.base), hash([site, t.id, t.label, t.definition]));
    }
    planListPage(page, "topic", [
      topicOwn(t),
      ...shownOn(t.articleIds, page).map((id) => `${id}:${article(id)}`),
    ]);
  }
  // A year page shows the year's article count and its slice of articles under their months.
  const monthOf = new Map<string, string>();
  for (const year of archive.years)
    for (const month of year.months) for (const id of month.articleIds) monthOf.set(id, month.key);
  for (const page of pages.yearPages) {
    const year = archive.years.find((y) => y.year === page.year);
    if (!year) continue;
    planListPage(page, "year", [
      String(year.articleIds.length),
      ...sliceFor(year.articleIds, page, size).map(
        (id) => `${id}:${monthOf.get(id)}:${article(id)}`,
      ),
    ]);
  }
  const ofKind = new Map(KINDS.map((kind) => [kind, entitiesOfKind(archive.entities, kind)]));
  for (const page of pages.kindPages) {
    const all = ofKind.get(page.kind) ?? [];
    planListPage(page, "kind", [String(all.length), ...sliceFor(all, page, size).map(entityFull)]);
  }
  for (const scope of feedScopes(archive, config.title)) {
    const digest = hash([
      site,
      "feed",
      scope.title,
      ...scope.articleIds.slice(0, FEED_SIZE).map((id) => `${id}:${article(id)}`),
    ]);
    for (const file of Object.values(feedPaths(scope.path))) plan.set(outputFile(file), digest);
  }
  // An article's record names its entities as the archive has them (a detected one only when
  // the corpus keeps it) and its topics by label.
  const names = hash([
    project.kb.digest,
    ...archive.entities.filter((e) => e.discovered).map((e) => entityCard(e.id)),
  ]);
  const ofArticles = (part: "record" | "mentions") =>
    hash([
      site,
      part,
      names,
      ...archive.articles.map(
        (a) => `${a.id}:${project.exportDigests.get(a.id)?.[part] ?? "missing"}`,
      ),
    ]);
  const exportDigests: Record<ExportedPart, string> = {
    records: ofArticles("record"),
    mentions: ofArticles("mentions"),
    entities: hash([
      site,
      "entities",
      ...archive.entities.map(
        (e) => `${entityCard(e.id)}:${e.occurrences.map((o) => o.articleId).join(",")}`,
      ),
    ]),
  };
  const exports = new Map(
    DATA_EXPORT_PATHS.map((file) => [outputFile(file), exportDigests[exportedPart(file)]]),
  );
  return { outputs: plan, search, exports };
}
