import { deserialize, serialize } from "node:v8";
import { deflateRawSync } from "node:zlib";
import {
  type Analyzer,
  type ArticleAnalysis,
  type ArticleResult,
  analyzeArticle,
  createAnalyzer,
  type KnowledgeBase,
  type Mention,
  type MentionVia,
  matchingText,
  mentionViaSchema,
  type Proposal,
  type SentenceMemo,
} from "../knowledge/index.ts";
import { type Article, type ContentProblem, parseArticleSource } from "../records/index.ts";
import { markedBodyHtml } from "./body.ts";
import { collectGarbage } from "./memory.ts";

/**
 * An article as the archive keeps it: its record with the Markdown and the full plain text
 * replaced by what pages show of them. Those two are half of an article's memory, and only the
 * parse and the analysis need them; dropping them where the article is analysed keeps them out
 * of the cache and out of the build's main thread.
 */
export interface PreparedArticle extends Omit<Article, "markdown" | "text"> {
  /** The first block of the plain text: summaries, feed items and descriptions. */
  lead: string;
  /**
   * Body HTML with every mention marked, as UTF-8; `linkEntities` turns the marks into links.
   * Bytes rather than a string: most articles have a character outside Latin-1 (a dash, a curly
   * quote), which makes V8 store the whole string at two bytes a character, and bytes sit outside
   * the heap the garbage collector walks.
   */
  body: Uint8Array;
  /**
   * For each entity the article mentions, in the order of `mentionTable.entityIds`, the sentence
   * around its first mention: UTF-8, one line each (see firstSentence). Bytes for the same reason
   * as the body, and because only the pages of an entity quote them, a few pages of a rebuild:
   * as an object keyed by entity id, they were a third of what reading the cache deserialized.
   */
  sentences: Uint8Array;
  /** Every mention the analysis found, for the data exports. */
  mentionTable: MentionTable;
}

/**
 * An article's mentions as a few flat values instead of an object and a string each. A large
 * archive has some 45 mentions per article, and as objects they were 40% of the heap every
 * collection walks while pages are rendered, though only the mentions export reads them.
 */
export interface MentionTable {
  /** Distinct entity ids, in order of first mention. */
  entityIds: string[];
  /** Five numbers per mention: entity (index into entityIds), start, end, way found, surface length. */
  cells: Int32Array;
  /** The mentions' surface texts one after another. */
  surfaces: string;
}

const VIAS: readonly MentionVia[] = mentionViaSchema.options;
const CELLS = 5;

export function packMentions(mentions: readonly Mention[]): MentionTable {
  const entityIds: string[] = [];
  const entityNumbers = new Map<string, number>();
  const cells = new Int32Array(mentions.length * CELLS);
  for (const [index, m] of mentions.entries()) {
    let entity = entityNumbers.get(m.entityId);
    if (entity === undefined) {
      entity = entityIds.push(m.entityId) - 1;
      entityNumbers.set(m.entityId, entity);
    }
    const at = index * CELLS;
    cells[at] = entity;
    cells[at + 1] = m.start;
    cells[at + 2] = m.end;
    cells[at + 3] = VIAS.indexOf(m.via);
    cells[at + 4] = m.surface.length;
  }
  return { entityIds, cells, surfaces: detached(mentions.map((m) => m.surface).join("")) };
}

/** The mentions of a table, in their order, as the analysis found them. */
export function* unpackMentions(table: MentionTable): Generator<Mention> {
  const { cells, entityIds, surfaces } = table;
  let offset = 0;
  for (let at = 0; at < cells.length; at += CELLS) {
    const length = cells[at + 4] ?? 0;
    yield {
      entityId: entityIds[cells[at] ?? 0] ?? "",
      start: cells[at + 1] ?? 0,
      end: cells[at + 2] ?? 0,
      via: VIAS[cells[at + 3] ?? 0] ?? "name",
      surface: surfaces.slice(offset, offset + length),
    };
    offset += length;
  }
}

/** An analysis as the archive keeps it: its mentions are in the article's `mentionTable`. */
export type StoredAnalysis = Omit<ArticleAnalysis, "mentions">;

/** An article's result as the cache and the archive keep it. */
export interface StoredResult extends Omit<ArticleResult, "analysis"> {
  analysis: StoredAnalysis;
}

export function storedResult(result: ArticleResult): StoredResult {
  const { mentions: _, ...analysis } = result.analysis;
  return { ...result, analysis };
}

/** The sentence of `text` around offset `at`, trimmed to a readable length. */
export function sentenceAround(text: string, at: number, maxLength = 320): string {
  const before = text.slice(0, at);
  let start = 0;
  for (const boundary of before.matchAll(/[.!?]["”’)]?\s+|\n\n/g)) {
    start = boundary.index + boundary[0].length;
  }
  const endMatch = /[.!?](?=["”’)]?(?:\s|$))|\n\n/.exec(text.slice(at));
  let end = endMatch ? at + endMatch.index + 1 : text.length;
  if (endMatch?.[0] === "\n\n") end -= 1;
  if (end - start > maxLength) {
    start = Math.max(start, at - maxLength / 2);
    end = Math.min(end, start + maxLength);
  }
  return text.slice(start, end).replace(/\s+/g, " ").trim();
}

/**
 * A copy of a string that shares no memory with the one it was cut from. V8 keeps a substring as
 * a view of its parent, so a lead kept in the archive would otherwise keep the
 * article's whole text alive.
 */
function detached(part: string): string {
  return Buffer.from(part, "utf16le").toString("utf16le");
}

// TextEncoder gives each body a buffer of its own; Buffer.from would share a pool that
// copying to another thread or into the cache would carry whole.
const utf8 = new TextEncoder();

/** What the archive keeps of a parsed article, made from it and its analysis. */
export function prepareArticle(
  article: Omit<Article, "file">,
  analysis: Pick<ArticleAnalysis, "mentions">,
): Omit<PreparedArticle, "file"> {
  const { markdown, text, ...rest } = article;
  // One line per entity, in the order the mention table numbers them: that of first mention.
  // sentenceAround folds every run of white space into one space, so no sentence holds a line break.
  const named = new Set<string>();
  const sentences: string[] = [];
  for (const mention of analysis.mentions) {
    if (named.has(mention.entityId)) continue;
    named.add(mention.entityId);
    sentences.push(sentenceAround(text, mention.start));
  }
  return {
    ...rest,
    lead: detached(text.split("\n\n", 1)[0] ?? ""),
    body: utf8.encode(markedBodyHtml(markdown, analysis.mentions)),
    sentences: utf8.encode(sentences.join("\n")),
    mentionTable: packMentions(analysis.mentions),
  };
}

const utf8Text = new TextDecoder();

/** The sentence around an article's first mention of an entity; empty when it names none. */
export function firstSentence(
  article: Pick<PreparedArticle, "sentences" | "mentionTable">,
  entityId: string,
): string {
  const index = article.mentionTable.entityIds.indexOf(entityId);
  if (index < 0) return "";
  return utf8Text.decode(article.sentences).split("\n")[index] ?? "";
}

/**
 * The unit of work of a build: one article, parsed and analysed. Pure, so it runs the same in
 * the main thread and in workers.
 */
export interface ArticleTask {
  rel: string;
  bytes: Uint8Array;
  /** From an earlier analysis of the same bytes, when the cache kept one (see `SentenceMemo`). */
  sentenceMemo?: Uint8Array;
}

export type ArticleOutcome =
  | {
      ok: true;
      article: Omit<PreparedArticle, "file">;
      result: StoredResult;
      /**
       * The text a knowledge-base edit is checked against (see knowledge's `mayAffect`), as
       * deflated UTF-8 (a quarter of the size, for a twentieth of the analysis's time): kept in
       * the cache so an edit re-analyses only the articles it can reach.
       */
      matchingText: Uint8Array;
      /**
       * Every sentence discovery has tagged in this text, this time or before, with what it
       * proposed: serialized, for the cache to give the next analysis after a knowledge-base edit.
       */
      sentenceMemo: Uint8Array;
      /** Sentences whose proposals came from the task's memo rather than from tagging. */
      recalled: number;
    }
  | { ok: false; problems: ContentProblem[] };

export function runArticleTask(task: ArticleTask, analyzer: Analyzer): ArticleOutcome {
  const parsed = parseArticleSource(task.bytes, task.rel);
  if (!parsed.ok) return parsed;
  const { file: _, ...article } = parsed.article;
  const memo: SentenceMemo = { earlier: recalledMemo(task.sentenceMemo), tagged: new Map() };
  const result = analyzeArticle(article, analyzer, memo);
  return {
    ok: true,
    article: prepareArticle(article, result.analysis),
    result: storedResult(result),
    // Copied out of zlib's 16 KB output chunk, which would otherwise travel with it to the main
    // thread and into the cache: 160 MB instead of 12 at 10,000 articles.
    matchingText: new Uint8Array(
      deflateRawSync(utf8.encode(matchingText(article.text)), { level: 1 }),
    ),
    // Bytes, not a map of arrays: 10,000 of them sit outside the heap until the cache is written.
    sentenceMemo: new Uint8Array(serialize([...new Map([...memo.earlier, ...memo.tagged])])),
    recalled: [...memo.tagged.keys()].filter((start) => memo.earlier.has(start)).length,
  };
}

/** A task's memo; anything unreadable is an empty one, which only means tagging again. */
function recalledMemo(bytes: Uint8Array | undefined): ReadonlyMap<number, readonly Proposal[]> {
  if (!bytes) return new Map();
  try {
    const entries: unknown = deserialize(bytes);
    return Array.isArray(entries) ? new Map(entries as [number, Proposal[]][]) : new Map();
  } catch {
    return new Map();
  }
}

let workerAnalyzer: Analyzer | null = null;
let workerTasks = 0;
/** Tasks a worker runs between full collections, which keep its heap near what it holds. */
const WORKER_COLLECT_EVERY = 500;

/** A worker's entry: the analyzer is built once per thread from the knowledge base it was given. */
export function workerTask(kb: KnowledgeBase, task: ArticleTask): ArticleOutcome {
  workerAnalyzer ??= createAnalyzer(kb);
  workerTasks += 1;
  if (workerTasks % WORKER_COLLECT_EVERY === 0) collectGarbage();
  return runArticleTask(task, workerAnalyzer);
}
