import { hash as oneShotHash } from "node:crypto";
import {
  type ArchiveEntity,
  type ArchiveTopic,
  codeDigest,
  type ExportDigests,
  type StoredAnalysis,
  sameEntityCounts,
  sameItems,
  sameTopicIds,
} from "../archive/index.ts";
import type { SiteConfig } from "./config.ts";
import {
  DATA_EXPORT_PATHS,
  type ExportedPart,
  type ExportInputs,
  exportedPart,
} from "./exports.ts";
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
 * Hash of the parts, each followed by a NUL, in one call (no Hash object each: 29 against 41 ms
 * for 10,000 articles' export parts). An array, not arguments: the first page of an entity named
 * in every article has a part per article, and V8 refuses a call of more than about 120,000
 * arguments.
 */
const hash = (parts: readonly string[]) =>
  oneShotHash("sha256", `${parts.join("\0")}\0`, "hex").slice(0, 32);

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
  /** By the data export's site path, what each of its items is made from (see ExportLayout). */
  exportInputs: Map<string, ExportInputs>;
  /**
   * What the next plan of the same process needs to plan again only what changed (see
   * PlanMemory); only when asked for, since it holds every article's lists until dropped.
   */
  memory?: PlanMemory;
}

/** What a plan read of one article, to tell the next plan whether anything of it changed. */
interface PlannedArticle {
  digest: string;
  search: string;
  sortDate: string | null;
  /** The analysis's own lists: the same arrays while the article's analysis is the one kept. */
  entities: StoredAnalysis["entities"];
  analysedTopics: StoredAnalysis["topics"];
  editorTopics: readonly string[];
  related: readonly string[];
}

/**
 * A plan, kept by `serve`'s builder for its next build: most of a plan's cost is hashing the
 * inputs of pages that list thousands of articles, and after one edit nearly all of them are as
 * they were. Holds strings and the analyses' own lists, never the archive.
 */
export interface PlanMemory {
  site: string;
  kb: string;
  outputs: ReadonlyMap<string, string>;
  search: ReadonlyMap<string, string>;
  articles: ReadonlyMap<string, PlannedArticle>;
  /** Per entity id, the hash of its own fields (see entityCard). */
  cards: ReadonlyMap<string, string>;
  /** Per entity id, its part of the entities export's hash. */
  exportParts: ReadonlyMap<string, string>;
  /**
   * Per article id, the hashes of its parts of the records and mentions exports: its export
   * digests with the names it shows.
   */
  articleExports: ReadonlyMap<string, ExportDigests>;
}

/** What changed since the previous plan: the pages of anything else keep their hashes. */
interface Changes {
  articles: ReadonlySet<string>;
  entities: ReadonlySet<string>;
  topics: ReadonlySet<string>;
  years: ReadonlySet<number>;
  /** Whether a changed article was, or is, without a date or estimate. */
  undated: boolean;
}

/** Beyond this share of changed articles, replanning everything costs about the same. */
const REPLAN_ALL_SHARE = 0.1;

/**
 * The articles, entities, topics and years whose pages may differ from the previous plan's, or
 * null when everything must be planned again: other code or settings, another knowledge base, an
 * entity whose own fields changed or that appeared or went (its name is on pages everywhere), or
 * too many articles changed. An article changes with its digests, date, entities (with their
 * mention counts) or topics; an entity's pages list exactly the articles naming it (and count
 * the other entities those name), so only entities named by a changed article, before or after,
 * can have other pages; the same holds for topics, years and the list of undated articles.
 */
function changesSince(
  previous: PlanMemory,
  site: string,
  kb: string,
  articles: ReadonlyMap<string, PlannedArticle>,
  cards: ReadonlyMap<string, string>,
): Changes | null {
  if (previous.site !== site || previous.kb !== kb || previous.cards.size !== cards.size) {
    return null;
  }
  for (const [id, card] of cards) if (previous.cards.get(id) !== card) return null;
  const changed = new Set<string>();
  for (const [id, now] of articles) {
    const before = previous.articles.get(id);
    if (
      !before ||
      before.digest !== now.digest ||
      before.search !== now.search ||
      before.sortDate !== now.sortDate ||
      !sameEntityCounts(before.entities, now.entities) ||
      !sameTopicIds(before.analysedTopics, now.analysedTopics) ||
      !sameItems(before.editorTopics, now.editorTopics)
    ) {
      changed.add(id);
    }
  }
  for (const id of previous.articles.keys()) if (!articles.has(id)) changed.add(id);
  if (changed.size > Math.max(1, articles.size * REPLAN_ALL_SHARE)) return null;
  const entities = new Set<string>();
  const topics = new Set<string>();
  const years = new Set<number>();
  let undated = false;
  for (const id of changed) {
    for (const planned of [previous.articles.get(id), articles.get(id)]) {
      if (!planned) continue;
      for (const e of planned.entities) entities.add(e.id);
      for (const t of planned.analysedTopics) topics.add(t.id);
      for (const t of planned.editorTopics) topics.add(t);
      if (planned.sortDate) years.add(Number(planned.sortDate.slice(0, 4)));
      else undated = true;
    }
  }
  return { articles: changed, entities, topics, years, undated };
}

/** How many pages search indexes: one per article, and the first page of each entity and topic. */
export function indexedPageCount(archive: Project["archive"]): number {
  return archive.articles.length + archive.entities.length + archive.topics.length;
}

/** The names an article's parts in the data exports show, by id, and each article's ids. */
interface NamesShown {
  /** Each entity of the archive: id, name, kind, detected or not. */
  entities: ReadonlyMap<string, string>;
  /** Each topic's label. */
  topics: ReadonlyMap<string, string>;
  /** Per article, the ids of the entities it names and of its topics (analysed, then editors'). */
  shows: ReadonlyMap<string, { entities: readonly string[]; topics: readonly string[] }>;
}

/**
 * Per data export, what each of its items is made from, hashed only when an export is written.
 * Made outside planOutputs: a closure there would keep its whole scope, the archive included,
 * alive with the plan, which a build holds until after Pagefind has run (at 10,000 articles that
 * kept ~220 MB beside Pagefind's process).
 */
function exportItemInputs(
  site: string,
  articleExports: Project["exportDigests"],
  names: NamesShown,
  exportParts: ReadonlyMap<string, string>,
): Map<string, ExportInputs> {
  // An article's record and mentions are both hashed from its names shown, so together.
  const ofArticle = new Map<string, { record: string; mentions: string }>();
  const articleDigests = (id: string) => {
    let digests = ofArticle.get(id);
    const own = articleExports.get(id);
    const shows = names.shows.get(id);
    if (!digests && own && shows) {
      const shown = shows.entities.map((e) => names.entities.get(e) ?? `${e}|-`);
      const labels = shows.topics.map((t) => names.topics.get(t) ?? t);
      digests = {
        record: hash([own.record, ...shown, ...labels]),
        mentions: hash([own.mentions, ...shown]),
      };
      ofArticle.set(id, digests);
    }
    return digests;
  };
  const ofEntity = new Map<string, string>();
  const inputs: Record<ExportedPart, ExportInputs> = {
    records: { context: hash([site, "record"]), digest: (id) => articleDigests(id)?.record },
    mentions: { context: hash([site, "mentions"]), digest: (id) => articleDigests(id)?.mentions },
    entities: {
      context: hash([site, "entities"]),
      digest: (id) => {
        let digest = ofEntity.get(id);
        const part = exportParts.get(id);
        if (digest === undefined && part !== undefined) {
          digest = hash([part]);
          ofEntity.set(id, digest);
        }
        return digest;
      },
    },
  };
  return new Map(DATA_EXPORT_PATHS.map((file) => [file, inputs[exportedPart(file)]]));
}

/**
 * Plans every output file. With `memory` (`serve`'s builder), the plan comes with its memory,
 * and given the memory of the plan before (`memory.previous`), the pages of whatever did not
 * change keep their hashes from it instead of being hashed again: the result is the same as
 * planning from scratch (a test compares the two over random edits), in a fraction of the time
 * after a small edit.
 */
export function planOutputs(
  project: Project,
  articleDigests: ReadonlyMap<string, string>,
  site: string,
  memory?: { previous: PlanMemory | null },
): RenderPlan {
  const previous = memory?.previous ?? null;
  const { archive, config } = project;
  const size = config.pageSize;
  const article = (id: string) => articleDigests.get(id) ?? "missing";
  // What other pages show of an entity (links, search filters, structured data): all of its own
  // fields; its own page and the kind indexes also show its counts.
  const cards = new Map<string, string>();
  for (const e of archive.entities) {
    const { occurrences: _, coMentions: __, mentionCount: ___, ...own } = e;
    cards.set(e.id, hash([JSON.stringify(own)]));
  }
  const entityCard = (id: string) => cards.get(id) ?? "missing";
  const entityFull = (e: ArchiveEntity) =>
    `${entityCard(e.id)}:${e.occurrences.length}:${e.mentionCount}`;
  const topicOwn = (t: ArchiveTopic) =>
    hash([t.id, t.label, t.definition, String(t.articleIds.length)]);
  const topicLink = (id: string) => {
    const t = archive.topicById.get(id);
    return t ? `${t.id}|${t.label}` : "missing";
  };
  const pages: SitePages = sitePages(archive, config);
  const planned = new Map<string, PlannedArticle>();
  for (const id of pages.articles) {
    const a = archive.articleById.get(id);
    if (!a) continue;
    planned.set(id, {
      digest: article(id),
      search: project.searchDigests.get(id) ?? "missing",
      sortDate: a.sortDate,
      entities: a.analysis.entities,
      analysedTopics: a.analysis.topics,
      editorTopics: a.topics,
      related: archive.related(id).map((r) => r.id),
    });
  }
  const changes = previous ? changesSince(previous, site, project.kb.digest, planned, cards) : null;
  /** The previous hash of `file` when what the page shows is unchanged, else undefined. */
  const kept = (unchanged: boolean, file: string, from?: ReadonlyMap<string, string>) =>
    changes && unchanged ? (from ?? previous?.outputs)?.get(file) : undefined;

  const plan = new Map<string, string>();
  /** A page of a paginated list; the page number and count show on it (pager, title). */
  const planListPage = (
    page: PageOf,
    unchanged: boolean,
    kind: string,
    shows: () => readonly string[],
  ) => {
    const file = outputFile(pagePath(page.base, page.number));
    plan.set(
      file,
      kept(unchanged, file) ?? hash([site, kind, `${page.number}/${page.count}`, ...shows()]),
    );
  };
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
  for (const [id, p] of planned) {
    const file = outputFile(routes.article(id));
    const unchanged =
      changes !== null &&
      !changes.articles.has(id) &&
      sameItems(previous?.articles.get(id)?.related ?? [], p.related) &&
      !p.related.some((r) => changes.articles.has(r));
    const keptSearch = kept(unchanged, file, previous?.search);
    const keptPage = kept(unchanged, file);
    if (keptSearch !== undefined && keptPage !== undefined) {
      search.set(file, keptSearch);
      plan.set(file, keptPage);
      continue;
    }
    const topics = [...p.analysedTopics.map((t) => t.id), ...p.editorTopics].map(topicLink);
    // Search reads the article and its filters; an entity's description, aliases or roles, which
    // the article's page does not show, leave the page and its shard as they were.
    search.set(
      file,
      hash([site, p.search, ...p.entities.map((e) => entityFilter(e.id)), ...topics]),
    );
    const shows = [p.digest, ...p.entities.map((e) => entityMention(e.id)), ...topics];
    plan.set(
      file,
      hash([site, "article", ...shows, ...p.related.map((r) => `${r}:${article(r)}`)]),
    );
  }
  for (const page of pages.entityPages) {
    const e = archive.entityById.get(page.id);
    if (!e) continue;
    // Search indexes an entity's own fields, not its counts (see the entity template).
    if (page.number === 1) search.set(outputFile(page.base), hash([site, entityCard(e.id)]));
    planListPage(page, changes?.entities.has(e.id) === false, "entity", () => [
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
    planListPage(page, changes?.topics.has(t.id) === false, "topic", () => [
      topicOwn(t),
      ...shownOn(t.articleIds, page).map((id) => `${id}:${article(id)}`),
    ]);
  }
  // A year page shows the year's article count and its slice of articles under their months.
  const monthOf = new Map<string, string>();
  for (const year of archive.years) {
    if (changes?.years.has(year.year) === false) continue;
    for (const month of year.months) for (const id of month.articleIds) monthOf.set(id, month.key);
  }
  for (const page of pages.yearPages) {
    const year = archive.years.find((y) => y.year === page.year);
    if (!year) continue;
    planListPage(page, changes?.years.has(year.year) === false, "year", () => [
      String(year.articleIds.length),
      ...sliceFor(year.articleIds, page, size).map(
        (id) => `${id}:${monthOf.get(id)}:${article(id)}`,
      ),
    ]);
  }
  for (const page of pages.undatedPages) {
    planListPage(page, changes?.undated === false, "undated", () => [
      String(archive.undatedIds.length),
      ...sliceFor(archive.undatedIds, page, size).map((id) => `${id}:${article(id)}`),
    ]);
  }
  // Every entity's counts show on its kind's index, which orders by them: always planned.
  const ofKind = new Map(KINDS.map((kind) => [kind, entitiesOfKind(archive.entities, kind)]));
  for (const page of pages.kindPages) {
    const all = ofKind.get(page.kind) ?? [];
    planListPage(page, false, "kind", () => [
      String(all.length),
      ...sliceFor(all, page, size).map(entityFull),
    ]);
  }
  // An entity's or topic's feed lists its newest articles; the whole archive's is always planned.
  const feedsKept = new Set<string>();
  if (changes) {
    for (const e of archive.entities) {
      if (!changes.entities.has(e.id)) feedsKept.add(routes.entity(e.id));
    }
    for (const t of archive.topics)
      if (!changes.topics.has(t.id)) feedsKept.add(routes.topic(t.id));
  }
  for (const scope of feedScopes(archive, config.title)) {
    const files = Object.values(feedPaths(scope.path)).map(outputFile);
    const digest =
      kept(feedsKept.has(scope.path), files[0] ?? "") ??
      hash([
        site,
        "feed",
        scope.title,
        ...scope.articleIds.slice(0, FEED_SIZE).map((id) => `${id}:${article(id)}`),
      ]);
    for (const file of files) plan.set(file, digest);
  }
  // An article's record names its entities as the archive has them (a detected one only when
  // the corpus keeps it) and its topics by label; its mentions leave out the entities the archive
  // lacks. The exports' hashes take each article's ids and all the names shown once; an item's
  // own hash, which says whether its part can be copied, is made only when an export is written
  // (20,000 hashes, ~0.14 s at 10,000 articles, every plan otherwise).
  const names: NamesShown = {
    entities: new Map(
      archive.entities.map((e) => [e.id, `${e.id}|${e.name}|${e.kind}|${e.discovered}`]),
    ),
    topics: new Map(project.kb.topics.map((t) => [t.id, t.label])),
    shows: new Map(
      [...planned].map(([id, p]) => [
        id,
        {
          entities: p.entities.map((e) => e.id),
          topics: [...p.analysedTopics.map((t) => t.id), ...p.editorTopics],
        },
      ]),
    ),
  };
  const showsOf = (id: string) => {
    const shows = names.shows.get(id);
    return shows ? `${shows.entities.join(" ")}|${shows.topics.join(" ")}` : "missing";
  };
  const allNames = hash([
    ...names.entities.values(),
    ...[...names.topics].map(([id, label]) => `${id}|${label}`),
  ]);
  // Each article's parts are hashed on their own, so that a plan from the previous one hashes
  // again only those of the articles that changed (an article's digest covers its export
  // digests), not a string of every article's (~0.25 s at 10,000 articles).
  const articleExports = new Map<string, ExportDigests>();
  for (const a of archive.articles) {
    const unchanged = changes !== null && !changes.articles.has(a.id);
    let parts = unchanged ? previous?.articleExports.get(a.id) : undefined;
    if (!parts) {
      const own = project.exportDigests.get(a.id);
      const shows = showsOf(a.id);
      parts = {
        record: hash([a.id, own?.record ?? "missing", shows]),
        mentions: hash([a.id, own?.mentions ?? "missing", shows]),
      };
    }
    articleExports.set(a.id, parts);
  }
  // In the archive's order: the map was filled from it, one entry per article.
  const ofArticles = (part: keyof ExportDigests) =>
    hash([site, part, allNames, ...[...articleExports.values()].map((parts) => parts[part])]);
  // The entities export lists each entity's articles; those of entities no changed article names
  // are as they were.
  const exportParts = new Map<string, string>();
  for (const e of archive.entities) {
    const part =
      (changes?.entities.has(e.id) === false ? previous?.exportParts.get(e.id) : undefined) ??
      `${entityCard(e.id)}:${e.occurrences.map((o) => o.articleId).join(",")}`;
    exportParts.set(e.id, part);
  }
  const exportDigests: Record<ExportedPart, string> = {
    records: ofArticles("record"),
    mentions: ofArticles("mentions"),
    entities: hash([site, "entities", ...exportParts.values()]),
  };
  const exports = new Map(
    DATA_EXPORT_PATHS.map((file) => [outputFile(file), exportDigests[exportedPart(file)]]),
  );
  return {
    outputs: plan,
    search,
    exports,
    exportInputs: exportItemInputs(site, project.exportDigests, names, exportParts),
    ...(memory && {
      memory: {
        site,
        kb: project.kb.digest,
        outputs: plan,
        search,
        articles: planned,
        cards,
        exportParts,
        articleExports,
      },
    }),
  };
}
