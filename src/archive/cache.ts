import { createHash } from "node:crypto";
import type { Stats } from "node:fs";
import {
  type FileHandle,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  writeFile,
} from "node:fs/promises";
import path from "node:path";
import { deserialize, serialize } from "node:v8";
import type { KnowledgeBase } from "../knowledge/index.ts";
import type { MentionTable, PreparedArticle, StoredResult } from "./work.ts";

/**
 * What parsing and analysing one article produced, kept between builds under the hash of the
 * file's bytes. The parse depends on those bytes and the code only; the analysis also on the
 * knowledge base, so it is valid only while `kbDigest` matches.
 */
export interface CachedArticle {
  article: Omit<PreparedArticle, "file">;
  kbDigest: string;
  result: StoredResult;
  /** Hash of `article` and `result` together: pages made from them change only when it does. */
  digest: string;
  exports: ExportDigests;
  /** Hash of what search indexes of the article's page (see searchDigest). */
  search: string;
}

/**
 * Hashes of what the data exports show of an article, its record (front matter, entities,
 * topics) apart from its mentions: an edit of the text moves the mentions after it and leaves the
 * record as it was, so the record exports are kept.
 */
export interface ExportDigests {
  record: string;
  mentions: string;
}

export interface AnalysisCache {
  /** Hash of the code and libraries the entries came from; a different one empties the cache. */
  pipeline: string;
  entries: Map<string, CachedArticle>;
}

const PACKAGE_ROOT = path.resolve(import.meta.dirname, "..", "..");
/** Libraries whose output lands in a cached entry: a new version may parse or tag differently. */
const PIPELINE_LIBRARIES = [
  "compromise",
  "gray-matter",
  "yaml",
  "zod",
  "unified",
  "remark-parse",
  "remark-directive",
  "remark-rehype",
  "rehype-sanitize",
  "hast-util-to-text",
  "fastest-levenshtein",
];

/**
 * Hash of code: every file under the given paths (relative to this package, files or folders)
 * and the installed versions of the given libraries. Caches keyed on it empty themselves when
 * the code that filled them changes; nobody has to remember to clear them.
 */
export function codeDigest(
  paths: readonly string[],
  libraries: readonly string[],
): Promise<string> {
  // Once per process: a process runs the code it loaded, whatever happens to the files later
  // (`serve` starts a fresh builder when they change), and a build asks up to four times.
  const key = JSON.stringify([paths, libraries]);
  let digest = codeDigests.get(key);
  if (!digest) {
    digest = hashCode(paths, libraries);
    codeDigests.set(key, digest);
    digest.catch(() => codeDigests.delete(key));
  }
  return digest;
}

const codeDigests = new Map<string, Promise<string>>();

async function hashCode(paths: readonly string[], libraries: readonly string[]): Promise<string> {
  const files: string[] = [];
  for (const relative of paths) {
    const full = path.join(PACKAGE_ROOT, relative);
    const entries = await readdir(full, { recursive: true, withFileTypes: true }).catch(() => null);
    if (!entries) files.push(full);
    else for (const e of entries) if (e.isFile()) files.push(path.join(e.parentPath, e.name));
  }
  const hash = createHash("sha256");
  for (const file of files.sort()) {
    hash.update(path.relative(PACKAGE_ROOT, file)).update("\0");
    hash.update(await readFile(file)).update("\0");
  }
  for (const name of libraries) {
    const manifest = await readFile(
      path.join(PACKAGE_ROOT, "node_modules", name, "package.json"),
      "utf8",
    ).catch(() => "{}");
    hash.update(`${name}@${(JSON.parse(manifest) as { version?: string }).version ?? "?"}\0`);
  }
  return hash.digest("hex").slice(0, 32);
}

/**
 * What decides a cached entry besides its inputs: the source of the records and knowledge stages,
 * of this stage (it defines the entries' shape), and the libraries they call.
 */
export function pipelineDigest(): Promise<string> {
  return codeDigest(["src/records", "src/knowledge", "src/archive"], PIPELINE_LIBRARIES);
}

export function contentHash(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex").slice(0, 32);
}

/**
 * Hash of values as JSON text and of byte arrays as their bytes, each after its length. Not
 * v8.serialize: that writes a string as V8 happens to store it (one or two bytes a character),
 * so the same article analysed in a worker and in the main thread would hash apart.
 */
function digestOf(...parts: (string | ArrayBufferView)[]): string {
  const hash = createHash("sha256");
  for (const part of parts) {
    const bytes =
      typeof part === "string"
        ? Buffer.from(part, "utf8")
        : new Uint8Array(part.buffer, part.byteOffset, part.byteLength);
    hash.update(`${bytes.byteLength}:`).update(bytes);
  }
  return hash.digest("hex").slice(0, 32);
}

const mentionTableParts = (table: MentionTable) => [
  JSON.stringify([table.entityIds, table.surfaces]),
  table.cells,
];

/** Hash of what an article's pages are made of; equal results give equal digests. */
export function outcomeDigest(
  article: Omit<PreparedArticle, "file">,
  result: StoredResult,
): string {
  const { body, sentences, mentionTable, ...rest } = article;
  return digestOf(
    JSON.stringify([rest, result]),
    body,
    sentences,
    ...mentionTableParts(mentionTable),
  );
}

export function exportDigests(
  article: Omit<PreparedArticle, "file">,
  result: StoredResult,
): ExportDigests {
  // Everything but what only pages show; more than the exports read, never less.
  const { body: _, lead: __, sentences: ___, mentionTable, ...record } = article;
  return {
    record: digestOf(JSON.stringify([record, result.analysis])),
    mentions: digestOf(...mentionTableParts(mentionTable)),
  };
}

/**
 * Hash of what the indexed part of an article's page shows of it: its record, body, dates and
 * estimate, and which entities and topics it names (the plan adds their names), not its mention
 * table, counts or evidence, which only the facts beside it show. A detected entity joining the
 * knowledge base under the same name re-analyses the articles naming it, which then keep this.
 */
export function searchDigest(article: Omit<PreparedArticle, "file">, result: StoredResult): string {
  const { body, mentionTable: _, sentences: __, ...record } = article;
  const { estimatedPeriod, dateFlag, entities, topics } = result.analysis;
  return digestOf(
    JSON.stringify([
      record,
      estimatedPeriod,
      dateFlag,
      entities.map((e) => e.id),
      topics.map((t) => t.id),
    ]),
    body,
  );
}

/** The cache folder of a project; outside content/, and ignored by git. */
export function analysisCacheDir(root: string): string {
  return path.join(root, ".cache", "news-archive", "articles");
}

/**
 * Entries live in files by the first hex digit of their key: a rebuild rewrites only the files
 * holding what changed, and no single buffer ever holds the whole archive's cache (at 30,000
 * articles it would be 0.8 GB).
 */
const SHARDS = 16;
const shardOfKey = (key: string) => Number.parseInt(key[0] ?? "0", 16) % SHARDS;
const shardFile = (dir: string, shard: number) => path.join(dir, `${shard.toString(16)}.v8`);

/**
 * An entry as its shard file holds it: the article's byte arrays (its body, its first sentences
 * and the cells of its mention table) stand as [offset, length] into the file's byte region,
 * which follows the serialized entries. v8.deserialize makes each typed array a view into the whole file it came
 * from, so keeping an article would keep its whole file; copying each out cost more than the rest
 * of reading the cache (10,000 articles: 0.4–0.8 s, most of it the first touch of 94 MB of new
 * memory). Read apart, the byte region is one buffer holding nothing but entries' bytes, of which
 * the articles keep views, and the serialized part is garbage once read.
 */
type Span = [offset: number, length: number];

interface StoredEntry extends Omit<CachedArticle, "article"> {
  article: Omit<CachedArticle["article"], "body" | "sentences" | "mentionTable"> & {
    body: Span;
    sentences: Span;
    mentionTable: Omit<MentionTable, "cells"> & { cells: Span };
  };
}

interface StoredShard {
  pipeline: string;
  entries: Map<string, StoredEntry>;
  bytes: number;
}

/** "NAC" and the layout's version, then the length of the serialized part, both 32-bit. */
const SHARD_MAGIC = 0x0243414e;
const HEADER_BYTES = 8;

/** A shard's file: header, serialized entries, and their bytes (mention cells first, aligned). */
function packShard(pipeline: string, entries: Iterable<[string, CachedArticle]>): Buffer {
  const list = [...entries];
  // Every table's cells before any body: cells are whole 4-byte numbers, so they stay aligned.
  let cellsAt = 0;
  let bodyAt = list.reduce((size, [, e]) => size + e.article.mentionTable.cells.byteLength, 0);
  const stored = new Map<string, StoredEntry>();
  const placed: {
    article: CachedArticle["article"];
    cells: number;
    body: number;
    sentences: number;
  }[] = [];
  for (const [key, entry] of list) {
    const { article } = entry;
    const { body, sentences, mentionTable } = article;
    const sentencesAt = bodyAt + body.byteLength;
    stored.set(key, {
      ...entry,
      article: {
        ...article,
        body: [bodyAt, body.byteLength],
        sentences: [sentencesAt, sentences.byteLength],
        mentionTable: { ...mentionTable, cells: [cellsAt, mentionTable.cells.byteLength] },
      },
    });
    placed.push({ article, cells: cellsAt, body: bodyAt, sentences: sentencesAt });
    cellsAt += mentionTable.cells.byteLength;
    bodyAt = sentencesAt + sentences.byteLength;
  }
  const graph = serialize({ pipeline, entries: stored, bytes: bodyAt } satisfies StoredShard);
  // The byte region starts on an 8-byte boundary of the file, so the cells' offsets stay aligned.
  const start = HEADER_BYTES + Math.ceil(graph.byteLength / 8) * 8;
  const file = Buffer.alloc(start + bodyAt);
  file.writeUInt32LE(SHARD_MAGIC, 0);
  file.writeUInt32LE(graph.byteLength, 4);
  graph.copy(file, HEADER_BYTES);
  for (const { article, cells, body, sentences } of placed) {
    const table = article.mentionTable.cells;
    file.set(new Uint8Array(table.buffer, table.byteOffset, table.byteLength), start + cells);
    file.set(article.body, start + body);
    file.set(article.sentences, start + sentences);
  }
  return file;
}

/** Reads exactly `length` bytes at `position` into a buffer of its own. */
async function readExactly(
  handle: FileHandle,
  position: number,
  length: number,
): Promise<Uint8Array> {
  const bytes = new Uint8Array(new ArrayBuffer(length));
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(bytes, done, length - done, position + done);
    if (bytesRead === 0) throw new Error("cache file ends early");
    done += bytesRead;
  }
  return bytes;
}

function viewOf(region: Uint8Array, span: unknown): Uint8Array {
  if (!Array.isArray(span) || span.length !== 2) throw new Error("cache entry without its bytes");
  const [offset, length] = span as unknown[];
  if (
    !Number.isSafeInteger(offset) ||
    !Number.isSafeInteger(length) ||
    (offset as number) < 0 ||
    (length as number) < 0 ||
    (offset as number) + (length as number) > region.byteLength
  ) {
    throw new Error("cache entry's bytes out of bounds");
  }
  return region.subarray(offset as number, (offset as number) + (length as number));
}

/** One shard's entries, or null when its file is missing, unreadable or of other code. */
async function readShard(
  file: string,
  pipeline: string,
): Promise<Map<string, CachedArticle> | null> {
  let handle: FileHandle;
  try {
    handle = await open(file, "r");
  } catch {
    return null;
  }
  try {
    const { size } = await handle.stat();
    if (size < HEADER_BYTES) return null;
    const header = Buffer.from(await readExactly(handle, 0, HEADER_BYTES));
    const graphLength = header.readUInt32LE(4);
    const start = HEADER_BYTES + Math.ceil(graphLength / 8) * 8;
    if (header.readUInt32LE(0) !== SHARD_MAGIC || start > size) return null;
    const stored = deserialize(
      await readExactly(handle, HEADER_BYTES, graphLength),
    ) as Partial<StoredShard>;
    if (stored.pipeline !== pipeline || !(stored.entries instanceof Map)) return null;
    if (stored.bytes !== size - start) return null;
    const region = await readExactly(handle, start, size - start);
    const entries = new Map<string, CachedArticle>();
    for (const [key, entry] of stored.entries) {
      const cells = viewOf(region, entry.article.mentionTable.cells);
      if (cells.byteOffset % 4 !== 0 || cells.byteLength % 4 !== 0) return null;
      entries.set(key, {
        ...entry,
        article: {
          ...entry.article,
          body: viewOf(region, entry.article.body),
          sentences: viewOf(region, entry.article.sentences),
          mentionTable: {
            ...entry.article.mentionTable,
            cells: new Int32Array(region.buffer, cells.byteOffset, cells.byteLength / 4),
          },
        },
      });
    }
    return entries;
  } catch {
    return null;
  } finally {
    await handle.close();
  }
}

/**
 * The cache if it is there and came from the same pipeline; otherwise an empty one. A file that
 * cannot be read is only a slower build, never an error. The articles' bytes are views into one
 * buffer per shard file (see StoredEntry): a load that lets most entries go gives the others
 * bytes of their own (ownBytes), so that the buffers can go too.
 */
export async function readAnalysisCache(dir: string, pipeline: string): Promise<AnalysisCache> {
  const entries = new Map<string, CachedArticle>();
  for (let shard = 0; shard < SHARDS; shard++) {
    const read = await readShard(shardFile(dir, shard), pipeline);
    // Missing or unreadable: those articles are analysed again.
    if (read) for (const [key, entry] of read) entries.set(key, entry);
  }
  return { pipeline, entries };
}

/** Gives an entry's typed arrays bytes of their own, so its shard's buffer is not kept for it. */
export function ownBytes(entry: CachedArticle): void {
  const { article } = entry;
  if (article.body.byteLength !== article.body.buffer.byteLength) {
    article.body = article.body.slice();
  }
  if (article.sentences.byteLength !== article.sentences.buffer.byteLength) {
    article.sentences = article.sentences.slice();
  }
  const { mentionTable } = article;
  if (mentionTable.cells.byteLength !== mentionTable.cells.buffer.byteLength) {
    article.mentionTable = { ...mentionTable, cells: mentionTable.cells.slice() };
  }
}

/**
 * What only a build after a knowledge-base edit needs of an entry (see ArticleOutcome): its
 * matching text, which the edit is checked against, and its sentence memo, which spares tagging
 * again the articles the edit reaches. Both are bytes.
 */
export interface EditTrace {
  matchingText: Uint8Array;
  sentenceMemo: Uint8Array;
}

/**
 * The traces live beside the entries, in a file per shard of their own, so that ordinary builds
 * never read them (15 MB at 10,000 articles).
 */
const tracesFile = (dir: string, shard: number) =>
  path.join(dir, `${shard.toString(16)}.traces.v8`);

const isEditTrace = (value: unknown): value is EditTrace =>
  typeof value === "object" &&
  value !== null &&
  (value as EditTrace).matchingText instanceof Uint8Array &&
  (value as EditTrace).sentenceMemo instanceof Uint8Array;

async function readTracesShard(dir: string, shard: number): Promise<Map<string, EditTrace>> {
  const traces = new Map<string, EditTrace>();
  try {
    const stored: unknown = deserialize(await readFile(tracesFile(dir, shard)));
    if (!(stored instanceof Map)) return traces;
    for (const [key, trace] of stored) {
      if (typeof key === "string" && isEditTrace(trace)) traces.set(key, trace);
    }
  } catch {
    // Missing or unreadable: those articles are analysed again after an edit.
  }
  return traces;
}

/** Every trace the cache holds, by key; an entry without one is analysed again after an edit. */
export async function readEditTraces(dir: string): Promise<Map<string, EditTrace>> {
  const traces = new Map<string, EditTrace>();
  for (let shard = 0; shard < SHARDS; shard++) {
    for (const [key, trace] of await readTracesShard(dir, shard)) traces.set(key, trace);
  }
  return traces;
}

/**
 * Writes `file` beside itself and renames it into place, so a reader or an interrupted build sees
 * the old file or the new one, never half of one; a failed write leaves no temporary file.
 */
export async function replaceFile(file: string, bytes: Uint8Array | string): Promise<void> {
  const temp = `${file}.${process.pid}.tmp`;
  try {
    await writeFile(temp, bytes);
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/**
 * Writes the files holding a changed, added or dropped key, each beside its old self and renamed,
 * so an interrupted build leaves old files or none, never half of one. `traces` holds those of
 * the articles this build analysed; the others' come from the shard's previous file.
 */
export async function writeAnalysisCache(
  dir: string,
  cache: AnalysisCache,
  changedKeys: Iterable<string>,
  traces: ReadonlyMap<string, EditTrace>,
): Promise<void> {
  const dirty = new Set<number>();
  for (const key of changedKeys) dirty.add(shardOfKey(key));
  if (dirty.size === 0) return;
  await mkdir(dir, { recursive: true });
  for (const shard of [...dirty].sort((a, b) => a - b)) {
    const entries = new Map([...cache.entries].filter(([key]) => shardOfKey(key) === shard));
    const kept = [...entries.keys()].some((key) => !traces.has(key))
      ? await readTracesShard(dir, shard)
      : new Map<string, EditTrace>();
    const shardTraces = new Map<string, EditTrace>();
    for (const key of entries.keys()) {
      const trace = traces.get(key) ?? kept.get(key);
      if (trace) shardTraces.set(key, trace);
    }
    // Traces first: entries with none beside them are only analysed again after an edit.
    await replaceFile(tracesFile(dir, shard), serialize(shardTraces));
    // The file that held the matching texts alone before the traces replaced it.
    await rm(path.join(dir, `${shard.toString(16)}.texts.v8`), { force: true });
    await replaceFile(shardFile(dir, shard), packShard(cache.pipeline, entries));
  }
}

/**
 * The knowledge base the cached analyses were made with, beside them under its digest and the
 * pipeline's: when it is edited, the next build compares the two to find which analyses the edit
 * can reach, and while it is not, a build takes it from here instead of parsing and validating
 * its files again (see loadKnowledgeBase's `recall`). Code that validates differently is a new
 * pipeline, so it never takes a knowledge base shaped by other code.
 */
const knowledgeFile = (dir: string, digest: string, pipeline: string) =>
  path.join(dir, `knowledge-${pipeline.slice(0, 16)}-${digest}.v8`);

/** The knowledge base of that digest, if a build with this pipeline kept it; else null. */
export async function readKnowledgeSnapshot(
  dir: string,
  digest: string,
  pipeline: string,
): Promise<KnowledgeBase | null> {
  try {
    const kb = deserialize(await readFile(knowledgeFile(dir, digest, pipeline))) as Partial<
      KnowledgeBase & { pipeline: string }
    >;
    const lists = [kb.entities, kb.topics, kb.rejected];
    if (kb.digest !== digest || kb.pipeline !== pipeline || !lists.every(Array.isArray)) {
      return null;
    }
    const { entities, topics, rejected } = kb as KnowledgeBase;
    return { entities, topics, rejected, digest };
  } catch {
    return null;
  }
}

/**
 * Keeps the knowledge base the cache now holds analyses of, and no other. Written when missing or
 * not the size it should be, so a damaged copy does not outlast the build after it.
 */
export async function writeKnowledgeSnapshot(
  dir: string,
  kb: KnowledgeBase,
  pipeline: string,
): Promise<void> {
  const file = knowledgeFile(dir, kb.digest, pipeline);
  const { entities, topics, rejected, digest } = kb;
  const bytes = serialize({ entities, topics, rejected, digest, pipeline });
  const names = await readdir(dir).catch(() => [] as string[]);
  if ((await stat(file).catch(() => null))?.size !== bytes.byteLength) {
    await mkdir(dir, { recursive: true });
    await replaceFile(file, bytes);
  }
  for (const name of names) {
    if (/^knowledge-.*\.v8$/.test(name) && name !== path.basename(file)) {
      await rm(path.join(dir, name), { force: true });
    }
  }
}

/**
 * The knowledge base of these files' digest as the last build of `root` validated it, when that
 * build ran this pipeline's code and cached its analyses; else null (and it is loaded from its
 * files).
 */
export async function recallKnowledgeBase(
  root: string,
  digest: string,
): Promise<KnowledgeBase | null> {
  return readKnowledgeSnapshot(analysisCacheDir(root), digest, await pipelineDigest());
}

/**
 * What a file looked like when its bytes were last hashed. A file whose size, times and inode
 * are all as recorded has the recorded hash, so a rebuild reads only the files that changed (as
 * git's index does); the cache itself stays keyed by content.
 */
export interface FileStamp {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
  hash: string;
}

/**
 * A file changed within this long before its stamp was taken could change again within the same
 * clock tick without its times showing it: such files are not stamped, so they are read next time.
 */
const RACY_MS = 2000;

const fileIndexPath = (dir: string) => path.join(dir, "files.json");

export function stampMatches(stamp: FileStamp | undefined, info: Stats): stamp is FileStamp {
  return (
    stamp !== undefined &&
    stamp.size === info.size &&
    stamp.mtimeMs === info.mtimeMs &&
    stamp.ctimeMs === info.ctimeMs &&
    stamp.ino === info.ino
  );
}

/** The stamps of the last build, by file path; null when missing or unreadable. */
export async function readFileIndex(dir: string): Promise<Map<string, FileStamp> | null> {
  try {
    const stored = JSON.parse(await readFile(fileIndexPath(dir), "utf8")) as unknown;
    if (typeof stored !== "object" || stored === null) return null;
    return new Map(Object.entries(stored as Record<string, FileStamp>));
  } catch {
    return null;
  }
}

/**
 * Stamps each file with its hash, leaving out files too recently changed to be trusted; `previous`
 * is what readFileIndex returned, so an unchanged index is not written again.
 */
export async function writeFileIndex(
  dir: string,
  previous: ReadonlyMap<string, FileStamp> | null,
  files: Iterable<[string, Stats, string]>,
  now = Date.now(),
): Promise<void> {
  const stamps: Record<string, FileStamp> = {};
  for (const [file, info, hash] of files) {
    if (Math.max(info.mtimeMs, info.ctimeMs) > now - RACY_MS) continue;
    const { size, mtimeMs, ctimeMs, ino } = info;
    stamps[file] = { size, mtimeMs, ctimeMs, ino, hash };
  }
  const file = fileIndexPath(dir);
  const text = JSON.stringify(stamps);
  // Unchanged stamps leave the file alone: a rebuild after no edit writes nothing here.
  if (previous && JSON.stringify(Object.fromEntries(previous)) === text) return;
  await mkdir(dir, { recursive: true });
  await replaceFile(file, text);
}
