import { mkdir, open, rename } from "node:fs/promises";
import path from "node:path";
import { type Archive, unpackMentions } from "../archive/index.ts";
import type { KnowledgeBase } from "../knowledge/index.ts";
import type { SiteConfig } from "./config.ts";
import { absoluteUrl, routes } from "./views.ts";

/**
 * The archive's records for researchers, as JSON and CSV. The shapes are documented in the README
 * ("Data exports") and change only with a note there.
 */

interface ExportedTopic {
  id: string;
  label: string;
  /** Null for a topic an editor assigned. */
  score: number | null;
}

function* articleRecords(archive: Archive, kb: KnowledgeBase, config: SiteConfig) {
  const labels = new Map(kb.topics.map((t) => [t.id, t.label]));
  for (const a of archive.articles) {
    yield {
      id: a.id,
      sourceFile: a.sourceFile,
      url: absoluteUrl(config, routes.article(a.id)),
      title: a.title,
      date: a.date,
      dateEvidence: a.dateEvidence,
      dateFlag: a.analysis.dateFlag,
      estimatedPeriod: a.analysis.estimatedPeriod
        ? { from: a.analysis.estimatedPeriod.from, to: a.analysis.estimatedPeriod.to }
        : null,
      source: a.source,
      dateline: a.dateline,
      entities: a.analysis.entities.flatMap((e) => {
        const entity = archive.entityById.get(e.id);
        return entity
          ? [
              {
                id: e.id,
                name: entity.name,
                kind: entity.kind,
                mentions: e.mentions,
                discovered: entity.discovered,
                surfaceForms: e.surfaceForms,
              },
            ]
          : [];
      }),
      // Extracted topics with their scores, then those an editor assigned that extraction missed:
      // the topic pages list both, so the export must too. An editor's choice has no score.
      topics: [
        ...a.analysis.topics.map(
          (t): ExportedTopic => ({
            id: t.id,
            label: labels.get(t.id) ?? t.id,
            score: t.score,
          }),
        ),
        ...a.topics
          .filter((id) => !a.analysis.topics.some((t) => t.id === id))
          .map((id): ExportedTopic => ({ id, label: labels.get(id) ?? id, score: null })),
      ],
    };
  }
}

function* entityRecords(archive: Archive, config: SiteConfig) {
  for (const e of archive.entities) {
    yield {
      id: e.id,
      name: e.name,
      kind: e.kind,
      aliases: e.aliases,
      description: e.description,
      discovered: e.discovered,
      url: absoluteUrl(config, routes.entity(e.id)),
      articles: e.occurrences.map((o) => o.articleId),
    };
  }
}

/**
 * `JSON.stringify({ [key]: items }, null, 2)` and a newline, one item at a time: at 10,000
 * articles the articles export is ~90 MB, too much to hold as one string beside the archive.
 */
function* jsonChunks(key: string, items: Iterable<unknown>): Generator<string> {
  const head = `{\n  ${JSON.stringify(key)}: [\n    `;
  const tail = "\n  ]\n}";
  let first = true;
  for (const item of items) {
    // Stringified in place, so its lines come indented as the whole document would have them.
    const whole = JSON.stringify({ [key]: [item] }, null, 2);
    yield `${first ? head : ",\n    "}${whole.slice(head.length, whole.length - tail.length)}`;
    first = false;
  }
  yield first ? `{\n  ${JSON.stringify(key)}: []\n}\n` : `${tail}\n`;
}

type Cell = string | number | boolean | null;

/** A formula's first character, a character that needs quotes, or whitespace at either end. */
const NEEDS_CARE = /^[=+\-@\s]|[",\r\n]|\s$/;

/**
 * One RFC 4180 field. A cell a spreadsheet would run as a formula (=, +, -, @, tab, CR) is prefixed
 * with an apostrophe: scraped text must not become a formula on a researcher's machine.
 */
export function csvCell(value: Cell): string {
  if (value === null) return "";
  if (typeof value !== "string") return String(value);
  // Most cells need neither quotes nor the formula guard; one test tells.
  if (!NEEDS_CARE.test(value)) return value;
  let text = value;
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

function* csvChunks(header: string[], rows: Iterable<Cell[]>): Generator<string> {
  yield `${header.map(csvCell).join(",")}\r\n`;
  for (const row of rows) yield `${row.map(csvCell).join(",")}\r\n`;
}

export function toCsv(header: string[], rows: Iterable<Cell[]>): string {
  return [...csvChunks(header, rows)].join("");
}

const ARTICLE_COLUMNS = [
  "id",
  "sourceFile",
  "url",
  "title",
  "date",
  "dateEvidence",
  "dateFlag",
  "estimatedFrom",
  "estimatedTo",
  "source",
  "dateline",
  "entities",
  "topics",
];

function* articleRows(archive: Archive, kb: KnowledgeBase, config: SiteConfig) {
  for (const a of articleRecords(archive, kb, config)) {
    yield [
      a.id,
      a.sourceFile,
      a.url,
      a.title,
      a.date,
      a.dateEvidence,
      a.dateFlag,
      a.estimatedPeriod?.from ?? null,
      a.estimatedPeriod?.to ?? null,
      a.source,
      a.dateline,
      a.entities.map((e) => e.id).join(";"),
      a.topics.map((t) => t.id).join(";"),
    ];
  }
}

const ENTITY_COLUMNS = [
  "id",
  "name",
  "kind",
  "aliases",
  "description",
  "discovered",
  "url",
  "articles",
];

function* entityRows(archive: Archive, config: SiteConfig) {
  for (const e of entityRecords(archive, config)) {
    yield [
      e.id,
      e.name,
      e.kind,
      e.aliases.join(";"),
      e.description,
      e.discovered,
      e.url,
      e.articles.join(";"),
    ];
  }
}

const MENTION_COLUMNS = ["articleId", "entityId", "start", "end", "surface", "via"];

function* mentionRows(archive: Archive) {
  for (const a of archive.articles) {
    for (const m of unpackMentions(a.mentionTable)) {
      if (archive.entityById.has(m.entityId)) {
        yield [a.id, m.entityId, m.start, m.end, m.surface, m.via];
      }
    }
  }
}

type ExportChunks = (archive: Archive, kb: KnowledgeBase, config: SiteConfig) => Iterable<string>;

/**
 * What of the archive an export shows, so a build rewrites only the exports an edit changed:
 * the articles' records (front matter, entities, topics), their mentions, or the entities.
 */
export type ExportedPart = "records" | "mentions" | "entities";

/** Each data export by site path, made piece by piece as it is read. */
const DATA_EXPORTS: Record<string, { shows: ExportedPart; chunks: ExportChunks }> = {
  "/data/articles.json": {
    shows: "records",
    chunks: (archive, kb, config) => jsonChunks("articles", articleRecords(archive, kb, config)),
  },
  "/data/entities.json": {
    shows: "entities",
    chunks: (archive, _, config) => jsonChunks("entities", entityRecords(archive, config)),
  },
  "/data/articles.csv": {
    shows: "records",
    chunks: (archive, kb, config) => csvChunks(ARTICLE_COLUMNS, articleRows(archive, kb, config)),
  },
  "/data/entities.csv": {
    shows: "entities",
    chunks: (archive, _, config) => csvChunks(ENTITY_COLUMNS, entityRows(archive, config)),
  },
  "/data/mentions.csv": {
    shows: "mentions",
    chunks: (archive) => csvChunks(MENTION_COLUMNS, mentionRows(archive)),
  },
};

/** Site paths of the data exports, in the order they are listed and written. */
export const DATA_EXPORT_PATHS: readonly string[] = Object.keys(DATA_EXPORTS);

/** What the data export at a site path shows. */
export function exportedPart(sitePath: string): ExportedPart {
  const shows = DATA_EXPORTS[sitePath]?.shows;
  if (!shows) throw new Error(`no data export at ${sitePath}`);
  return shows;
}

/** A data export whole, or undefined for a path that is not one. */
export function exportText(
  sitePath: string,
  archive: Archive,
  kb: KnowledgeBase,
  config: SiteConfig,
): string | undefined {
  const chunks = DATA_EXPORTS[sitePath]?.chunks;
  return chunks && [...chunks(archive, kb, config)].join("");
}

/** Chunks are gathered to about this many characters per write. */
const WRITE_CHUNK = 1 << 20;

/**
 * Writes the data exports (all, or those at the given site paths) under `siteDir` without ever
 * holding one whole: a build does this rather than render them as pages, which would keep each
 * complete in memory.
 */
export async function writeDataExports(
  siteDir: string,
  archive: Archive,
  kb: KnowledgeBase,
  config: SiteConfig,
  sitePaths: readonly string[] = DATA_EXPORT_PATHS,
): Promise<void> {
  for (const sitePath of sitePaths) {
    const chunks = DATA_EXPORTS[sitePath]?.chunks;
    if (!chunks) throw new Error(`no data export at ${sitePath}`);
    const file = path.join(siteDir, ...sitePath.split("/"));
    // Written aside and renamed when complete: the folder may be served while it is written.
    const partial = `${file}.partial`;
    await mkdir(path.dirname(file), { recursive: true });
    const handle = await open(partial, "w");
    try {
      let pending = "";
      for (const chunk of chunks(archive, kb, config)) {
        pending += chunk;
        if (pending.length >= WRITE_CHUNK) {
          await handle.write(pending);
          pending = "";
        }
      }
      if (pending) await handle.write(pending);
    } finally {
      await handle.close();
    }
    await rename(partial, file);
  }
}
