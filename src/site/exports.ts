import { type FileHandle, mkdir, open, rename } from "node:fs/promises";
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

function articleRecord(
  a: Archive["articles"][number],
  archive: Archive,
  labels: ReadonlyMap<string, string>,
  config: SiteConfig,
) {
  return {
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

function entityRecord(e: Archive["entities"][number], config: SiteConfig) {
  return {
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

const csvRow = (row: readonly Cell[]) => `${row.map(csvCell).join(",")}\r\n`;

export function toCsv(header: string[], rows: Iterable<Cell[]>): string {
  return [csvRow(header), ...[...rows].map(csvRow)].join("");
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

function articleRow(a: ReturnType<typeof articleRecord>): Cell[] {
  return [
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

function entityRow(e: ReturnType<typeof entityRecord>): Cell[] {
  return [
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

const MENTION_COLUMNS = ["articleId", "entityId", "start", "end", "surface", "via"];

/**
 * What of the archive an export shows, so a build rewrites only the exports an edit changed:
 * the articles' records (front matter, entities, topics), their mentions, or the entities.
 */
export type ExportedPart = "records" | "mentions" | "entities";

/** One article or entity of an export: its id, and what it shows there, made only when asked for. */
type Keyed<T> = readonly [key: string, make: () => T];
/** The items of an export, in order. */
type ItemsOf<T> = (archive: Archive, kb: KnowledgeBase, config: SiteConfig) => Iterable<Keyed<T>>;

/**
 * An export is a head, the bodies of its items joined by a separator, and a tail (or `empty`
 * without items). Every body depends on its own item alone, which lets a rebuild copy the bodies
 * of unchanged items from the previous file.
 */
interface ExportShape {
  shows: ExportedPart;
  head: string;
  separator: string;
  tail: string;
  empty: string;
  /** Each item's body: its text in the export. */
  items: ItemsOf<string>;
}

/**
 * The shape of `JSON.stringify({ [key]: items }, null, 2)` and a newline: at 10,000 articles
 * the articles export is ~90 MB, too much to hold as one string beside the archive.
 */
function jsonShape(key: string, shows: ExportedPart, records: ItemsOf<unknown>): ExportShape {
  const head = `{\n  ${JSON.stringify(key)}: [\n    `;
  const tail = "\n  ]\n}";
  return {
    shows,
    head,
    separator: ",\n    ",
    tail: `${tail}\n`,
    empty: `{\n  ${JSON.stringify(key)}: []\n}\n`,
    *items(archive, kb, config) {
      for (const [id, record] of records(archive, kb, config)) {
        yield [
          id,
          () => {
            // Stringified in place, so its lines come indented as the whole document would have them.
            const whole = JSON.stringify({ [key]: [record()] }, null, 2);
            return whole.slice(head.length, whole.length - tail.length);
          },
        ];
      }
    },
  };
}

function csvShape(
  shows: ExportedPart,
  header: readonly string[],
  rows: ItemsOf<Cell[][]>,
): ExportShape {
  const head = csvRow(header);
  return {
    shows,
    head,
    separator: "",
    tail: "",
    empty: head,
    *items(archive, kb, config) {
      for (const [id, itemRows] of rows(archive, kb, config)) {
        yield [id, () => itemRows().map(csvRow).join("")];
      }
    },
  };
}

function* articleRecords(
  archive: Archive,
  kb: KnowledgeBase,
  config: SiteConfig,
): Generator<Keyed<ReturnType<typeof articleRecord>>> {
  const labels = new Map(kb.topics.map((t) => [t.id, t.label]));
  for (const a of archive.articles) yield [a.id, () => articleRecord(a, archive, labels, config)];
}

function* entityRecords(
  archive: Archive,
  config: SiteConfig,
): Generator<Keyed<ReturnType<typeof entityRecord>>> {
  for (const e of archive.entities) yield [e.id, () => entityRecord(e, config)];
}

/** Each data export by site path. */
const DATA_EXPORTS: Record<string, ExportShape> = {
  "/data/articles.json": jsonShape("articles", "records", articleRecords),
  "/data/entities.json": jsonShape("entities", "entities", (archive, _, config) =>
    entityRecords(archive, config),
  ),
  "/data/articles.csv": csvShape("records", ARTICLE_COLUMNS, function* (archive, kb, config) {
    for (const [id, record] of articleRecords(archive, kb, config)) {
      yield [id, () => [articleRow(record())]];
    }
  }),
  "/data/entities.csv": csvShape("entities", ENTITY_COLUMNS, function* (archive, _, config) {
    for (const [id, record] of entityRecords(archive, config)) {
      yield [id, () => [entityRow(record())]];
    }
  }),
  "/data/mentions.csv": csvShape("mentions", MENTION_COLUMNS, function* (archive) {
    for (const a of archive.articles) {
      yield [
        a.id,
        () =>
          [...unpackMentions(a.mentionTable)].flatMap((m) =>
            archive.entityById.has(m.entityId)
              ? [[a.id, m.entityId, m.start, m.end, m.surface, m.via]]
              : [],
          ),
      ];
    }
  }),
};

function shapeOf(sitePath: string): ExportShape {
  const shape = DATA_EXPORTS[sitePath];
  if (!shape) throw new Error(`no data export at ${sitePath}`);
  return shape;
}

/** Site paths of the data exports, in the order they are listed and written. */
export const DATA_EXPORT_PATHS: readonly string[] = Object.keys(DATA_EXPORTS);

/** What the data export at a site path shows. */
export function exportedPart(sitePath: string): ExportedPart {
  return shapeOf(sitePath).shows;
}

/** A data export whole, or undefined for a path that is not one. */
export function exportText(
  sitePath: string,
  archive: Archive,
  kb: KnowledgeBase,
  config: SiteConfig,
): string | undefined {
  const shape = DATA_EXPORTS[sitePath];
  if (!shape) return undefined;
  const bodies = [...shape.items(archive, kb, config)].map(([, body]) => body());
  return bodies.length === 0
    ? shape.empty
    : `${shape.head}${bodies.join(shape.separator)}${shape.tail}`;
}

/** Text is gathered to about this many characters per write, copied bytes to this many. */
const WRITE_CHUNK = 1 << 20;

/**
 * Where each item's body lies in a written export, so the next build can copy unchanged bodies
 * instead of making them again: per item in file order, its key, the digest of what it was made
 * from, and its length in bytes. `context` is the digest of what every body also depends on
 * (the settings and the code); another context copies nothing.
 */
export interface ExportLayout {
  context: string;
  size: number;
  items: [key: string, digest: string, bytes: number][];
}

/** What the items of an export are made from, by the plan: see ExportLayout. */
export interface ExportInputs {
  context: string;
  digest: (key: string) => string | undefined;
}

/** What writing one export did: its layout, and how many of its bytes came from the previous one. */
export interface WrittenExport {
  layout: ExportLayout;
  copied: number;
}

/** A previous export that is intact (its caller checked), with its layout. */
export interface PreviousExport {
  file: string;
  layout: ExportLayout;
}

/** Whether a layout adds up to its export's size: one that does not describes another file. */
export function layoutFits(sitePath: string, layout: ExportLayout): boolean {
  const shape = shapeOf(sitePath);
  if (layout.items.length === 0) return layout.size === Buffer.byteLength(shape.empty);
  let total =
    Buffer.byteLength(shape.head) +
    Buffer.byteLength(shape.tail) +
    (layout.items.length - 1) * Buffer.byteLength(shape.separator);
  for (const [, , bytes] of layout.items) total += bytes;
  return total === layout.size;
}

type Piece = { text: string } | { from: number; to: number };

/**
 * The pieces of an export in order: text to write and ranges of the previous file to copy. An
 * item whose digest is as recorded is copied, together with the separator before it when the item
 * before it was copied from just before it there, so a run of unchanged items is one range. The
 * new layout's items are pushed to `written` as they come.
 */
function* pieces(
  shape: ExportShape,
  items: Iterable<Keyed<string>>,
  inputs: ExportInputs | undefined,
  previous: PreviousExport | undefined,
  written: ExportLayout["items"],
): Generator<Piece> {
  const separatorBytes = Buffer.byteLength(shape.separator);
  const copyable = new Map<
    string,
    { digest: string; start: number; bytes: number; index: number }
  >();
  if (previous && inputs && previous.layout.context === inputs.context) {
    let offset = Buffer.byteLength(shape.head);
    for (const [index, [key, digest, bytes]] of previous.layout.items.entries()) {
      if (index > 0) offset += separatorBytes;
      copyable.set(key, { digest, start: offset, bytes, index });
      offset += bytes;
    }
  }
  let lastCopied = -2;
  let first = true;
  for (const [key, body] of items) {
    const digest = inputs?.digest(key) ?? "";
    const old = copyable.get(key);
    if (old && digest && old.digest === digest) {
      if (first) yield { text: shape.head };
      else if (old.index === lastCopied + 1) {
        yield { from: old.start - separatorBytes, to: old.start + old.bytes };
        written.push([key, digest, old.bytes]);
        lastCopied = old.index;
        continue;
      } else yield { text: shape.separator };
      yield { from: old.start, to: old.start + old.bytes };
      written.push([key, digest, old.bytes]);
      lastCopied = old.index;
    } else {
      const text = body();
      yield { text: `${first ? shape.head : shape.separator}${text}` };
      written.push([key, digest, Buffer.byteLength(text)]);
      lastCopied = -2;
    }
    first = false;
  }
  yield { text: first ? shape.empty : shape.tail };
}

/**
 * Writes the data exports (all, or those at the given site paths) under `siteDir` without ever
 * holding one whole: a build does this rather than render them as pages, which would keep each
 * complete in memory. Given what each export's items are made from (`inputs`, by site path) and
 * the intact previous exports (`previous`), bodies of unchanged items are copied from those; the
 * result is the same file either way. Returns what was written, by site path.
 */
export async function writeDataExports(
  siteDir: string,
  archive: Archive,
  kb: KnowledgeBase,
  config: SiteConfig,
  sitePaths: readonly string[] = DATA_EXPORT_PATHS,
  incremental: {
    inputs?: ReadonlyMap<string, ExportInputs>;
    previous?: ReadonlyMap<string, PreviousExport>;
  } = {},
): Promise<Map<string, WrittenExport>> {
  const written = new Map<string, WrittenExport>();
  let copyBuffer: Buffer | null = null;
  for (const sitePath of sitePaths) {
    const shape = shapeOf(sitePath);
    const inputs = incremental.inputs?.get(sitePath);
    const previous = incremental.previous?.get(sitePath);
    const file = path.join(siteDir, ...sitePath.split("/"));
    // Written aside and renamed when complete: the folder may be served while it is written.
    const partial = `${file}.partial`;
    await mkdir(path.dirname(file), { recursive: true });
    const items: ExportLayout["items"] = [];
    const handle = await open(partial, "w");
    const source = previous ? await open(previous.file, "r") : null;
    let size = 0;
    let copied = 0;
    try {
      let pending = "";
      const flush = async () => {
        if (!pending) return;
        size += (await handle.write(pending)).bytesWritten;
        pending = "";
      };
      // Ranges that follow each other in the previous file are copied as one.
      let copying = null as { from: number; to: number } | null;
      const copy = async () => {
        if (!copying) return;
        if (!source) throw new Error("an export copied from no previous file");
        copyBuffer ??= Buffer.alloc(WRITE_CHUNK * 4);
        const bytes = await copyRange(source, handle, copying.from, copying.to, copyBuffer);
        size += bytes;
        copied += bytes;
        copying = null;
      };
      for (const piece of pieces(
        shape,
        shape.items(archive, kb, config),
        inputs,
        previous,
        items,
      )) {
        if ("text" in piece) {
          await copy();
          pending += piece.text;
          if (pending.length >= WRITE_CHUNK) await flush();
          continue;
        }
        await flush();
        if (copying?.to === piece.from) copying.to = piece.to;
        else {
          await copy();
          copying = { from: piece.from, to: piece.to };
        }
      }
      await copy();
      await flush();
    } finally {
      await source?.close();
      await handle.close();
    }
    await rename(partial, file);
    written.set(sitePath, { layout: { context: inputs?.context ?? "", size, items }, copied });
  }
  return written;
}

/** Copies bytes [from, to) of one open file to the end of what was written to another. */
async function copyRange(
  source: FileHandle,
  target: FileHandle,
  from: number,
  to: number,
  copyBuffer: Buffer,
): Promise<number> {
  let position = from;
  while (position < to) {
    const { bytesRead } = await source.read(
      copyBuffer,
      0,
      Math.min(copyBuffer.length, to - position),
      position,
    );
    if (bytesRead === 0) throw new Error("the previous export ended early");
    await target.write(copyBuffer, 0, bytesRead);
    position += bytesRead;
  }
  return to - from;
}
