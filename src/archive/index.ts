export { linkEntities } from "./body.ts";
export { codeDigest, type ExportDigests, recallKnowledgeBase, replaceFile } from "./cache.ts";
export { reviewCandidates } from "./candidates.ts";
export {
  type ArticleInputs,
  type CorpusOptions,
  type CorpusStats,
  type LoadedCorpus,
  loadCorpus,
  prepareAnalysis,
  stampedArticles,
} from "./corpus.ts";
export { eachLimited } from "./limited.ts";
export { collectGarbage } from "./memory.ts";
export {
  firstSentence,
  type MentionTable,
  type PreparedArticle,
  prepareArticle,
  type StoredAnalysis,
  sentenceAround,
  unpackMentions,
} from "./work.ts";

import { createHash } from "node:crypto";
import type {
  ArticleAnalysis,
  DatedRole,
  DiscoveredEntity,
  KnowledgeBase,
} from "../knowledge/index.ts";
import type { Article, EntityKind } from "../records/index.ts";
import { type PreparedArticle, prepareArticle, type StoredAnalysis } from "./work.ts";

/**
 * The whole corpus indexed once: every lookup a page needs is a map read, so rendering stays
 * linear in the number of pages however large the archive grows.
 */

/** An article as pages show it (see PreparedArticle), with its analysis and place in time. */
export interface ArchiveArticle extends PreparedArticle {
  analysis: StoredAnalysis;
  /** The day the archive files the article under: its date, else the start of its estimated period. */
  sortDate: string | null;
  /** True when sortDate comes from an estimate, not from the text. */
  dateEstimated: boolean;
}

export interface CoMention {
  id: string;
  count: number;
}

/** The article's first sentence naming the entity is firstSentence(article, entity id). */
export interface EntityOccurrence {
  articleId: string;
  mentions: number;
}

export interface ArchiveEntity {
  id: string;
  name: string;
  kind: EntityKind;
  description: string;
  aliases: string[];
  roles: DatedRole[];
  discovered: boolean;
  /** Newest first. */
  occurrences: EntityOccurrence[];
  mentionCount: number;
  /**
   * The entities named in the most of the same articles, most shared first, at most
   * CO_MENTIONS_KEPT: an entity named everywhere shares articles with nearly every other.
   */
  coMentions: CoMention[];
}

export interface ArchiveTopic {
  id: string;
  label: string;
  definition: string;
  /** Newest first. */
  articleIds: string[];
}

export interface ArchiveMonth {
  year: number;
  month: number;
  /** `2021-04` */
  key: string;
  articleIds: string[];
}

export interface ArchiveYear {
  year: number;
  months: ArchiveMonth[];
  articleIds: string[];
}

export interface Archive {
  /** Newest first; undated articles without an estimate last. */
  articles: ArchiveArticle[];
  articleById: ReadonlyMap<string, ArchiveArticle>;
  /** Most-mentioned first. Only entities named in at least one article. */
  entities: ArchiveEntity[];
  entityById: ReadonlyMap<string, ArchiveEntity>;
  /** Every topic of the taxonomy, with its articles. */
  topics: ArchiveTopic[];
  topicById: ReadonlyMap<string, ArchiveTopic>;
  /** Newest year first; months newest first. Estimated dates count towards their period. */
  years: ArchiveYear[];
  /** Articles with neither a date nor an estimate. */
  undatedIds: string[];
  /** Up to `limit` articles sharing the most actors and topics with the given one. */
  related(articleId: string, limit?: number): ArchiveArticle[];
  /**
   * Every article's related articles, for the next archive (see RelatedMemory): those related()
   * found, and the rest found now (most taken over from the memory this archive was given).
   */
  relatedMemory(): RelatedMemory;
}

/**
 * Related articles an archive found, for the next archive: an article's related articles are a
 * function of the postings it was scored from (the articles of each of its entities and topics),
 * so the next archive takes them over for every article whose postings are all as they were, and
 * scores only the others. Hashes rather than lists, so it is small enough to keep on disk between
 * builds; plain data (maps, strings), so it serializes as it is.
 */
export interface RelatedMemory {
  /**
   * Per posting key (entity id, or topic id after "topic:") that counted towards related
   * articles, a hash of its articles, newest first. A key too common to count is absent.
   */
  postings: ReadonlyMap<string, string>;
  /** Per article id, a hash of its posting keys and the ids of its related articles. */
  found: ReadonlyMap<string, { keys: string; related: readonly string[] }>;
}

/** A memory as read back from disk: anything else is no memory. */
export function isRelatedMemory(value: unknown): value is RelatedMemory {
  const memory = value as Partial<RelatedMemory> | null;
  return memory?.postings instanceof Map && memory.found instanceof Map;
}

export interface ArchiveOptions {
  /** The memory of the previous archive of this process, if any. */
  relatedFrom?: RelatedMemory | null;
  /**
   * The archive this process made last (`serve`'s builder): when only the articles' own content
   * changed, not what the archive indexes of them, it is taken over (see updatedArchive).
   */
  previous?: Archive | null;
}

export interface ArchiveInput {
  /**
   * Prepared as the corpus loader does (their analyses without mentions, which the articles
   * carry), or records as parsed, prepared here from their full analyses.
   */
  articles: readonly (PreparedArticle | Article)[];
  analyses: ReadonlyMap<string, StoredAnalysis | ArticleAnalysis>;
  discovered: readonly DiscoveredEntity[];
  kb: KnowledgeBase;
}

/** How many co-mentioned entities each entity keeps (ArchiveEntity.coMentions). */
export const CO_MENTIONS_KEPT = 30;

/**
 * The `limit` best of `candidates` by `before` (a strict order), best first: a running
 * selection, since sorting every candidate costs more when there are many more than `limit`.
 */
function best<T>(candidates: Iterable<T>, limit: number, before: (a: T, b: T) => boolean): T[] {
  const kept: T[] = [];
  for (const candidate of candidates) {
    if (kept.length === limit && !before(candidate, kept[limit - 1] as T)) continue;
    let at = kept.length;
    while (at > 0 && before(candidate, kept[at - 1] as T)) at -= 1;
    kept.splice(at, 0, candidate);
    if (kept.length > limit) kept.pop();
  }
  return kept;
}

/** Entities or topics in more articles than this are too common to say two articles are related. */
const RELATED_MAX_POSTINGS = 500;
/** Related articles an article page lists. */
const RELATED_LIMIT = 5;

const EMPTY_ANALYSIS: ArticleAnalysis = {
  mentions: [],
  entities: [],
  discovered: [],
  topics: [],
  dateFlag: null,
  estimatedPeriod: null,
};

/** Newest first, then by id so equal dates always sort the same way. */
function compareNewestFirst(a: ArchiveArticle, b: ArchiveArticle): number {
  if (a.sortDate !== b.sortDate) {
    if (a.sortDate === null) return 1;
    if (b.sortDate === null) return -1;
    return a.sortDate < b.sortDate ? 1 : -1;
  }
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Orders names as `localeCompare` with English rules does, with one collator for all. */
const ENGLISH = new Intl.Collator("en");

/** Each string's position in collation order (as `localeCompare` sorts), by its index. */
function collationRanks(strings: readonly string[]): Int32Array {
  const collator = new Intl.Collator();
  const rank = new Int32Array(strings.length);
  strings
    .map((_, i) => i)
    .sort((a, b) => collator.compare(strings[a] ?? "", strings[b] ?? ""))
    .forEach((index, position) => {
      rank[index] = position;
    });
  return rank;
}

/**
 * Hashes of lists of ids, by what they hash, kept from the archives made before in this process:
 * `serve`'s builder makes an archive per edit, and nearly every list is as it was. A list is
 * compared id by id (the same strings, so mostly a pointer check), a fraction of the cost of
 * joining and hashing it again (0.1 s per archive at 10,000 articles).
 */
const listDigests = new Map<string, { ids: readonly string[]; hash: string }>();

function listDigest(key: string, ids: readonly string[]): string {
  const known = listDigests.get(key);
  if (known && known.ids.length === ids.length && known.ids.every((id, i) => id === ids[i])) {
    return known.hash;
  }
  const hash = createHash("sha256").update(ids.join("\0")).digest("base64url").slice(0, 22);
  listDigests.set(key, { ids, hash });
  return hash;
}

/**
 * `Archive.related`, made outside buildArchive: a closure there would keep buildArchive's whole
 * scope alive with the archive, including its input (every article's Markdown and text). Every
 * article page asks for its related articles, so the scoring works on article numbers and one
 * reused array of scores rather than maps keyed by id.
 */
function relatedFinder(
  articles: readonly ArchiveArticle[],
  articlesByEntity: ReadonlyMap<string, readonly string[]>,
  topicById: ReadonlyMap<string, ArchiveTopic>,
  previous: RelatedMemory | null,
): Pick<Archive, "related" | "relatedMemory"> {
  const numberOf = new Map(articles.map((a, i) => [a.id, i]));
  const postingsOf = new Map<string, readonly string[]>(articlesByEntity);
  for (const [id, topic] of topicById) postingsOf.set(`topic:${id}`, topic.articleIds);
  const keysOf = (article: ArchiveArticle) => [
    ...article.analysis.entities.map((e) => e.id),
    ...article.analysis.topics.map((t) => `topic:${t.id}`),
  ];
  // Hashed when a memory is checked and again when one is made: once per article.
  const keyDigests = new Map<ArchiveArticle, string>();
  const keysDigest = (article: ArchiveArticle, keys: readonly string[]) => {
    let hash = keyDigests.get(article);
    if (hash === undefined) {
      hash = listDigest(`keys of ${article.id}`, keys);
      keyDigests.set(article, hash);
    }
    return hash;
  };
  // A key scores only while its postings are short enough: one too common (or absent) before and
  // now has no hash either time, and counted for nothing both times.
  const postingDigests = new Map<string, string | null>();
  const postingDigest = (key: string) => {
    let hash = postingDigests.get(key);
    if (hash === undefined) {
      const ids = postingsOf.get(key);
      hash =
        ids !== undefined && ids.length <= RELATED_MAX_POSTINGS
          ? listDigest(`postings of ${key}`, ids)
          : null;
      postingDigests.set(key, hash);
    }
    return hash;
  };
  const remembered = (article: ArchiveArticle): ArchiveArticle[] | null => {
    const found = previous?.found.get(article.id);
    if (!found || !Array.isArray(found.related)) return null;
    const keys = keysOf(article);
    if (keysDigest(article, keys) !== found.keys) return null;
    if (!keys.every((key) => postingDigest(key) === (previous?.postings.get(key) ?? null))) {
      return null;
    }
    const related = found.related.map((id) => articles[numberOf.get(id) ?? -1]);
    return related.every((a) => a !== undefined) ? (related as ArchiveArticle[]) : null;
  };
  const postingsCache = new Map<readonly string[], Int32Array>();
  const postings = (ids: readonly string[]) => {
    let numbers = postingsCache.get(ids);
    if (!numbers) {
      numbers = Int32Array.from(ids, (id) => numberOf.get(id) ?? -1);
      postingsCache.set(ids, numbers);
    }
    return numbers;
  };
  // Equal scores go to the id first in collation order; ranking the ids once makes that an
  // integer comparison.
  const rank = collationRanks(articles.map((a) => a.id));
  const scores = new Float64Array(articles.length);
  const relatedCache = new Map<string, ArchiveArticle[]>();
  const related = (articleId: string, limit = RELATED_LIMIT): ArchiveArticle[] => {
    const key = `${limit}:${articleId}`;
    const known = relatedCache.get(key);
    if (known) return known;
    const self = numberOf.get(articleId);
    const article = self === undefined ? undefined : articles[self];
    if (self === undefined || !article) return [];
    const kept = limit === RELATED_LIMIT ? remembered(article) : null;
    if (kept) {
      relatedCache.set(key, kept);
      return kept;
    }
    const touched: number[] = [];
    const add = (ids: readonly string[], weight: number) => {
      for (const number of postings(ids)) {
        if (number < 0 || number === self) continue;
        if (scores[number] === 0) touched.push(number);
        scores[number] = (scores[number] ?? 0) + weight;
      }
    };
    // Rare shared actors say more about kinship than ubiquitous ones ("NATO" is in every article),
    // and skipping the ubiquitous ones keeps this linear in archive size instead of quadratic.
    for (const e of article.analysis.entities) {
      const ids = articlesByEntity.get(e.id) ?? [];
      if (ids.length <= RELATED_MAX_POSTINGS) add(ids, 1 / Math.log2(1 + ids.length));
    }
    for (const t of article.analysis.topics) {
      const ids = topicById.get(t.id)?.articleIds ?? [];
      if (ids.length <= RELATED_MAX_POSTINGS) add(ids, 0.5);
    }
    const score = (number: number) => scores[number] ?? 0;
    const found = best(
      touched,
      limit,
      (a, b) => score(a) > score(b) || (score(a) === score(b) && (rank[a] ?? 0) < (rank[b] ?? 0)),
    ).flatMap((number) => articles[number] ?? []);
    for (const number of touched) scores[number] = 0;
    relatedCache.set(key, found);
    return found;
  };
  // Complete once made (every article's related articles), so made once.
  let made: RelatedMemory | null = null;
  const relatedMemory = (): RelatedMemory => {
    made ??= makeMemory();
    return made;
  };
  const makeMemory = (): RelatedMemory => {
    const found = new Map<string, { keys: string; related: readonly string[] }>();
    const postings = new Map<string, string>();
    for (const article of articles) {
      // Every article's, found by now or not: a memory of only what was asked for would replace
      // the one this archive took over (from disk, say) with less.
      const known = related(article.id);
      const keys = keysOf(article);
      found.set(article.id, { keys: keysDigest(article, keys), related: known.map((a) => a.id) });
      for (const key of keys) {
        const hash = postingDigest(key);
        if (hash !== null) postings.set(key, hash);
      }
    }
    return { postings, found };
  };
  return { related, relatedMemory };
}

type GivenAnalysis = StoredAnalysis & Partial<Pick<ArticleAnalysis, "mentions">>;

/** An article as the archive holds it. */
function archiveArticle(source: PreparedArticle | Article, given: GivenAnalysis): ArchiveArticle {
  const { mentions = [], ...analysis } = given;
  const article =
    "markdown" in source ? { ...prepareArticle(source, { mentions }), file: source.file } : source;
  const estimate = article.date ? null : analysis.estimatedPeriod;
  return {
    ...article,
    analysis,
    sortDate: article.date ? article.date.slice(0, 10) : (estimate?.from ?? null),
    dateEstimated: !article.date && estimate !== null,
  };
}

/** What the archive holds of each entity an article may name: the knowledge base's, then detected ones. */
type EntityBase = Omit<ArchiveEntity, "occurrences" | "mentionCount" | "coMentions">;

function entityBases(input: Pick<ArchiveInput, "kb" | "discovered">): Map<string, EntityBase> {
  const known = new Map<string, EntityBase>(
    input.kb.entities.map((e) => [
      e.id,
      {
        id: e.id,
        name: e.name,
        kind: e.kind,
        description: e.description,
        aliases: [...e.aliases, ...e.misspellings],
        roles: e.roles,
        discovered: false,
      },
    ]),
  );
  for (const d of input.discovered) {
    if (!known.has(d.id)) {
      known.set(d.id, { ...d, description: "", aliases: [], roles: [], discovered: true });
    }
  }
  return known;
}

/** Every topic of the taxonomy with its articles in archive order, editors' choices included. */
function topicLists(kb: KnowledgeBase, articles: readonly ArchiveArticle[]): ArchiveTopic[] {
  const topics: ArchiveTopic[] = kb.topics.map((t) => ({
    id: t.id,
    label: t.label,
    definition: t.definition,
    articleIds: [],
  }));
  const topicById = new Map(topics.map((t) => [t.id, t]));
  for (const article of articles) {
    const ids = new Set([...article.analysis.topics.map((t) => t.id), ...article.topics]);
    for (const id of ids) topicById.get(id)?.articleIds.push(article.id);
  }
  return topics;
}

/**
 * The entities' order: most articles, then most mentions, then by name. Sorted stably from the
 * order of first appearance, which breaks what ties remain.
 */
const mostCoveredFirst = (a: ArchiveEntity, b: ArchiveEntity) =>
  b.occurrences.length - a.occurrences.length ||
  b.mentionCount - a.mentionCount ||
  ENGLISH.compare(a.name, b.name);

/** What an archive was made from, for the next archive to tell what changed. */
interface MadeFrom {
  kb: string;
  discovered: readonly DiscoveredEntity[];
  sources: ReadonlyMap<string, { source: PreparedArticle | Article; analysis: GivenAnalysis }>;
  /** Each article's place in the archive's order. */
  positions: ReadonlyMap<string, number>;
}
const madeFrom = new WeakMap<Archive, MadeFrom>();

/** Past this many changed articles, an archive is made afresh rather than updated. */
const UPDATED_AT_MOST = 50;

/** The same items in the same order. */
export const sameItems = (a: readonly unknown[], b: readonly unknown[]) =>
  a === b || (a.length === b.length && a.every((item, i) => item === b[i]));
/** The same entities named as often, in the same order: what an index counts of an analysis. */
export const sameEntityCounts = (a: StoredAnalysis["entities"], b: StoredAnalysis["entities"]) =>
  a === b ||
  (a.length === b.length && a.every((e, i) => e.id === b[i]?.id && e.mentions === b[i]?.mentions));
/** The same topics in the same order, whatever their scores and evidence. */
export const sameTopicIds = (a: StoredAnalysis["topics"], b: StoredAnalysis["topics"]) =>
  a === b || (a.length === b.length && a.every((t, i) => t.id === b[i]?.id));
const sameValue = (a: unknown, b: unknown) =>
  a === b || (Array.isArray(a) && Array.isArray(b) && sameItems(a, b));
/** The same fields with the same values (arrays item by item): a copy of the same record. */
function sameFields(a: object, b: object): boolean {
  if (a === b) return true;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  return keys.every((key) => key in right && sameValue(left[key], right[key]));
}

/** Whether the archive files, lists and counts the article the same way: its own content aside. */
function indexedAlike(a: ArchiveArticle, b: ArchiveArticle): boolean {
  return (
    a.id === b.id &&
    a.sortDate === b.sortDate &&
    sameEntityCounts(a.analysis.entities, b.analysis.entities) &&
    sameTopicIds(a.analysis.topics, b.analysis.topics) &&
    sameItems(a.topics, b.topics)
  );
}

/**
 * The previous archive with the changed articles' own content replaced, when the knowledge base,
 * the detected entities and the set of articles are as they were and no article's date changed:
 * the order of articles and the years' lists are then those of the previous archive. When every
 * changed article is also listed and counted the same way (its entities with their mention
 * counts, its topics), every other list, count, co-mention and related article is taken over too,
 * and only the changed articles are replaced. Otherwise the
 * entities they named before or name now are made again (occurrences, counts, co-mentions), the
 * entities ordered again, the topics' lists made again if theirs changed, and related articles
 * scored where the memory no longer holds. Null when anything else changed: the archive is then
 * made afresh. `serve`'s builder indexes 10,000 articles in ~0.3 s; a text edit takes a few
 * milliseconds this way.
 */
function updatedArchive(
  previous: Archive,
  input: ArchiveInput,
  related: RelatedMemory,
): Archive | null {
  const from = madeFrom.get(previous);
  if (
    !from ||
    from.kb !== input.kb.digest ||
    from.sources.size !== input.articles.length ||
    from.discovered.length !== input.discovered.length ||
    !from.discovered.every((d, i) => sameFields(d, input.discovered[i] ?? {}))
  ) {
    return null;
  }
  const articles = [...previous.articles];
  const articleById = new Map(previous.articleById);
  const sources = new Map(from.sources);
  const changedIds = new Set<string>();
  const reindexed = new Set<string>();
  for (const source of input.articles) {
    const before = from.sources.get(source.id);
    const position = from.positions.get(source.id);
    const old = position === undefined ? undefined : articles[position];
    if (!before || position === undefined || !old) return null;
    const analysis: GivenAnalysis = input.analyses.get(source.id) ?? EMPTY_ANALYSIS;
    if (sameFields(before.source, source) && sameFields(before.analysis, analysis)) continue;
    if (changedIds.size === UPDATED_AT_MOST) return null;
    const article = archiveArticle(source, analysis);
    if (!indexedAlike(old, article)) {
      // Filed where it was, so the order of articles and the years' lists stay as they were.
      if (old.id !== article.id || old.sortDate !== article.sortDate) return null;
      reindexed.add(article.id);
    }
    articles[position] = article;
    articleById.set(article.id, article);
    sources.set(article.id, { source, analysis });
    changedIds.add(article.id);
  }
  const entityById = new Map(previous.entityById);
  const touched = reindexEntities(previous, input, { articleById, changedIds, reindexed }, from);
  for (const [id, entity] of touched) {
    if (entity) entityById.set(id, entity);
    else entityById.delete(id);
  }
  let entities = previous.entities.map((e) => entityById.get(e.id) ?? e);
  if (touched.size > 0) {
    // As a full index lists them: the map in order of first appearance, the list by coverage.
    const firstSeen = [...entityById.values()].sort(byFirstAppearance(articleById, from.positions));
    coMentionsAgain(touched, firstSeen, articleById);
    entityById.clear();
    for (const entity of firstSeen) entityById.set(entity.id, entity);
    entities = [...firstSeen].sort(mostCoveredFirst);
  }
  const topicsChanged = [...reindexed].some((id) => {
    const before = previous.articleById.get(id);
    const now = articleById.get(id);
    return (
      !before ||
      !now ||
      !sameTopicIds(before.analysis.topics, now.analysis.topics) ||
      !sameItems(before.topics, now.topics)
    );
  });
  const topics = topicsChanged ? topicLists(input.kb, articles) : previous.topics;
  const topicById = topicsChanged ? new Map(topics.map((t) => [t.id, t])) : previous.topicById;
  const archive: Archive = {
    articles,
    articleById,
    entities,
    entityById,
    topics,
    topicById,
    years: previous.years,
    undatedIds: previous.undatedIds,
    // Other entities or topics change which articles share them: related articles are scored
    // again where the memory's postings no longer hold.
    ...(reindexed.size > 0
      ? relatedFinder(articles, articlesOfEntities(entities), topicById, related)
      : relatedTakenOver(articles, articleById, entities, topicById, related)),
  };
  madeFrom.set(archive, { ...from, kb: input.kb.digest, discovered: input.discovered, sources });
  return archive;
}

/**
 * The entities an update touches, made again: those a re-indexed article (its entities, mention
 * counts or topics changed) named before or names now, each with its occurrences in archive
 * order, the changed articles' as they are now; null for one no article names
 * any more. Every other entity's articles and counts are as they were.
 */
function reindexEntities(
  previous: Archive,
  input: ArchiveInput,
  changed: {
    articleById: ReadonlyMap<string, ArchiveArticle>;
    changedIds: ReadonlySet<string>;
    reindexed: ReadonlySet<string>;
  },
  from: MadeFrom,
): Map<string, ArchiveEntity | null> {
  const { articleById, changedIds, reindexed } = changed;
  const touched = new Map<string, ArchiveEntity | null>();
  if (reindexed.size === 0) return touched;
  const ids = new Set<string>();
  for (const id of reindexed) {
    for (const e of previous.articleById.get(id)?.analysis.entities ?? []) ids.add(e.id);
    for (const e of articleById.get(id)?.analysis.entities ?? []) ids.add(e.id);
  }
  const bases = entityBases(input);
  const position = (articleId: string) => from.positions.get(articleId) ?? -1;
  for (const id of ids) {
    const base = bases.get(id);
    if (!base) continue;
    const occurrences = (previous.entityById.get(id)?.occurrences ?? []).filter(
      (o) => !changedIds.has(o.articleId),
    );
    for (const articleId of changedIds) {
      const entry = articleById.get(articleId)?.analysis.entities.find((e) => e.id === id);
      if (entry) occurrences.push({ articleId, mentions: entry.mentions });
    }
    if (occurrences.length === 0) {
      touched.set(id, null);
      continue;
    }
    occurrences.sort((a, b) => position(a.articleId) - position(b.articleId));
    const mentionCount = occurrences.reduce((sum, o) => sum + o.mentions, 0);
    touched.set(id, { ...base, occurrences, mentionCount, coMentions: [] });
  }
  return touched;
}

/**
 * Entities in the order a full index first meets them: by their first article, then by their
 * place in its analysis. The full index ranks equal co-mention counts and breaks the last ties of
 * the entities' order this way.
 */
function byFirstAppearance(
  articleById: ReadonlyMap<string, ArchiveArticle>,
  positions: ReadonlyMap<string, number>,
): (a: ArchiveEntity, b: ArchiveEntity) => number {
  const keys = new Map<ArchiveEntity, number>();
  const key = (entity: ArchiveEntity) => {
    let found = keys.get(entity);
    if (found === undefined) {
      const first = entity.occurrences[0]?.articleId ?? "";
      const place = articleById.get(first)?.analysis.entities.findIndex((e) => e.id === entity.id);
      // Analyses name a few dozen entities at most.
      found = (positions.get(first) ?? 0) * 100_000 + (place ?? 0);
      keys.set(entity, found);
    }
    return found;
  };
  return (a, b) => key(a) - key(b);
}

/**
 * The co-mentions of the touched entities, counted over their articles as a full index does;
 * `firstSeen` is every entity of the archive in order of first appearance.
 */
function coMentionsAgain(
  touched: ReadonlyMap<string, ArchiveEntity | null>,
  firstSeen: readonly ArchiveEntity[],
  articleById: ReadonlyMap<string, ArchiveArticle>,
): void {
  const numberOf = new Map(firstSeen.map((e, i) => [e.id, i]));
  // The touched entities are often the most named ones, so each article's numbers are looked up
  // once for all of them.
  const numbersOf = new Map<string, Int32Array>();
  const articleNumbers = (articleId: string) => {
    let numbers = numbersOf.get(articleId);
    if (!numbers) {
      const found: number[] = [];
      for (const e of articleById.get(articleId)?.analysis.entities ?? []) {
        const number = numberOf.get(e.id);
        if (number !== undefined) found.push(number);
      }
      numbers = Int32Array.from(found);
      numbersOf.set(articleId, numbers);
    }
    return numbers;
  };
  const coMentionsOf = coMentionCounter(firstSeen.map((e) => e.id));
  for (const entity of touched.values()) {
    if (!entity) continue;
    entity.coMentions = coMentionsOf(
      numberOf.get(entity.id) ?? -1,
      entity.occurrences.map((o) => articleNumbers(o.articleId)),
    );
  }
}

const NO_ENTITIES = new Int32Array(0);

/**
 * Counts co-mentions over entity numbers (`ids`: the archive's entities in order of first
 * appearance), one entity at a time in a reused array of counts: a pair per two entities of every
 * article is tens of millions of updates at 30,000 articles, too many for maps keyed by id. Equal
 * counts go to the id first in collation order, ranked once rather than compared per pair. Given
 * an entity's number and the entity numbers of each of its articles, returns its co-mentions.
 */
function coMentionCounter(
  ids: readonly string[],
): (self: number, articles: readonly Int32Array[]) => CoMention[] {
  const rank = collationRanks(ids);
  const counts = new Int32Array(ids.length);
  const count = (other: number) => counts[other] ?? 0;
  return (self, articles) => {
    const touched: number[] = [];
    for (const numbers of articles) {
      for (const other of numbers) {
        if (other === self) continue;
        if (counts[other] === 0) touched.push(other);
        counts[other] = count(other) + 1;
      }
    }
    const kept = best(
      touched,
      CO_MENTIONS_KEPT,
      (a, b) => count(a) > count(b) || (count(a) === count(b) && (rank[a] ?? 0) < (rank[b] ?? 0)),
    ).map((other) => ({ id: ids[other] ?? "", count: count(other) }));
    for (const other of touched) counts[other] = 0;
    return kept;
  };
}

/** Each entity's articles, newest first: the postings related articles are scored from. */
function articlesOfEntities(entities: readonly ArchiveEntity[]): Map<string, string[]> {
  return new Map(entities.map((e) => [e.id, e.occurrences.map((o) => o.articleId)]));
}

/**
 * Related articles of an archive whose lists are those of the archive `memory` was made from:
 * the same articles, found by id among this archive's. Other limits than the pages' are scored
 * by a finder made when first asked. Made outside updatedArchive, whose scope holds the previous
 * archive.
 */
function relatedTakenOver(
  articles: readonly ArchiveArticle[],
  articleById: ReadonlyMap<string, ArchiveArticle>,
  entities: readonly ArchiveEntity[],
  topicById: ReadonlyMap<string, ArchiveTopic>,
  memory: RelatedMemory,
): Pick<Archive, "related" | "relatedMemory"> {
  const found = new Map<string, ArchiveArticle[]>();
  let finder: Pick<Archive, "related" | "relatedMemory"> | null = null;
  const related = (articleId: string, limit = RELATED_LIMIT): ArchiveArticle[] => {
    if (limit !== RELATED_LIMIT) {
      finder ??= relatedFinder(articles, articlesOfEntities(entities), topicById, memory);
      return finder.related(articleId, limit);
    }
    let known = found.get(articleId);
    if (!known) {
      known = (memory.found.get(articleId)?.related ?? []).flatMap(
        (id) => articleById.get(id) ?? [],
      );
      found.set(articleId, known);
    }
    return known;
  };
  return { related, relatedMemory: () => memory };
}

export function buildArchive(input: ArchiveInput, options: ArchiveOptions = {}): Archive {
  if (options.previous) {
    const updated = updatedArchive(options.previous, input, options.previous.relatedMemory());
    if (updated) return updated;
  }
  const articles: ArchiveArticle[] = input.articles.map((source) =>
    archiveArticle(source, input.analyses.get(source.id) ?? EMPTY_ANALYSIS),
  );
  articles.sort(compareNewestFirst);
  const articleById = new Map(articles.map((a) => [a.id, a]));

  const known = entityBases(input);

  const entityById = new Map<string, ArchiveEntity>();
  // Entities are numbered in order of first appearance, for coMentionCounter.
  const entityNumbers = new Map<string, number>();
  const entityIds: string[] = [];
  const numberOf = (id: string) => {
    let number = entityNumbers.get(id);
    if (number === undefined) {
      number = entityIds.push(id) - 1;
      entityNumbers.set(id, number);
    }
    return number;
  };
  const entitiesOfArticle: Int32Array[] = [];
  const articlesOfEntity: number[][] = [];
  for (const [articleNumber, article] of articles.entries()) {
    const numbers: number[] = [];
    for (const entry of article.analysis.entities) {
      const base = known.get(entry.id);
      if (!base) continue;
      let entity = entityById.get(entry.id);
      if (!entity) {
        entity = { ...base, occurrences: [], mentionCount: 0, coMentions: [] };
        entityById.set(entry.id, entity);
      }
      entity.occurrences.push({ articleId: article.id, mentions: entry.mentions });
      entity.mentionCount += entry.mentions;
      const self = numberOf(entry.id);
      numbers.push(self);
      const articleNumbers = articlesOfEntity[self];
      if (articleNumbers) articleNumbers.push(articleNumber);
      else articlesOfEntity[self] = [articleNumber];
    }
    entitiesOfArticle.push(Int32Array.from(numbers));
  }
  const coMentionsOf = coMentionCounter(entityIds);
  for (const [self, articleNumbers] of articlesOfEntity.entries()) {
    const entity = articleNumbers && entityById.get(entityIds[self] ?? "");
    if (!entity) continue;
    entity.coMentions = coMentionsOf(
      self,
      articleNumbers.map((n) => entitiesOfArticle[n] ?? NO_ENTITIES),
    );
  }
  const entities = [...entityById.values()].sort(mostCoveredFirst);

  const topics = topicLists(input.kb, articles);
  const topicById = new Map(topics.map((t) => [t.id, t]));

  const yearMap = new Map<number, ArchiveYear>();
  const undatedIds: string[] = [];
  for (const article of articles) {
    if (!article.sortDate) {
      undatedIds.push(article.id);
      continue;
    }
    const year = Number(article.sortDate.slice(0, 4));
    const month = Number(article.sortDate.slice(5, 7));
    let y = yearMap.get(year);
    if (!y) {
      y = { year, months: [], articleIds: [] };
      yearMap.set(year, y);
    }
    y.articleIds.push(article.id);
    let m = y.months.find((x) => x.month === month);
    if (!m) {
      m = { year, month, key: article.sortDate.slice(0, 7), articleIds: [] };
      y.months.push(m);
    }
    m.articleIds.push(article.id);
  }
  const years = [...yearMap.values()].sort((a, b) => b.year - a.year);
  for (const y of years) y.months.sort((a, b) => b.month - a.month);

  const { related, relatedMemory } = relatedFinder(
    articles,
    articlesOfEntities(entities),
    topicById,
    options.relatedFrom ?? null,
  );

  const archive: Archive = {
    articles,
    articleById,
    entities,
    entityById,
    topics,
    topicById,
    years,
    undatedIds,
    related,
    relatedMemory,
  };
  madeFrom.set(archive, {
    kb: input.kb.digest,
    discovered: input.discovered,
    sources: new Map(
      input.articles.map((source) => [
        source.id,
        { source, analysis: input.analyses.get(source.id) ?? EMPTY_ANALYSIS },
      ]),
    ),
    positions: new Map(articles.map((a, i) => [a.id, i])),
  });
  return archive;
}
