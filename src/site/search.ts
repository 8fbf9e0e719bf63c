import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import * as pagefind from "pagefind";

/**
 * Full-text search with Pagefind, whose npm package ships its own binary: the index is built over
 * the finished pages, so search sees exactly what readers see. A large archive gets several
 * indexes ("shards") that the search page merges with Pagefind's mergeIndex: Pagefind holds an
 * index's pages in memory while building it, so shards bound its memory, and a rebuild after an
 * edit re-indexes only the shard holding the edited page.
 */

/**
 * Shards for this many indexed pages, at most `perShard` each (site.yaml searchShardPages): a
 * power of two, so growth re-deals pages among shards rarely.
 */
export function shardCount(indexedPages: number, perShard: number): number {
  let count = 1;
  while (count * perShard < indexedPages) count *= 2;
  return count;
}

/** A page's shard follows from its file name alone, so it stays put as the archive grows. */
export function shardOf(file: string, count: number): number {
  if (count === 1) return 0;
  return createHash("sha256").update(file).digest().readUInt32BE(0) % count;
}

/** Folder of a shard in the site: the first is Pagefind's usual `pagefind/`. */
export function shardFolder(index: number): string {
  return index === 0 ? "pagefind" : `pagefind-shards/${index}`;
}

/** Site path of a page's file: `articles/x/index.html` → `/articles/x/`. */
const urlOf = (file: string) => `/${file.replace(/(^|\/)index\.html$/, "$1")}`;

async function countedPages(bundle: string): Promise<number> {
  const entry = JSON.parse(await readFile(path.join(bundle, "pagefind-entry.json"), "utf8")) as {
    languages: Record<string, { page_count: number }>;
  };
  return Object.values(entry.languages).reduce((sum, l) => sum + l.page_count, 0);
}

/**
 * Indexes the given pages of a built site into one shard. Only pages marked data-pagefind-body
 * are indexed, as Pagefind does with a whole folder; returns how many were.
 */
export async function buildSearchShard(
  siteDir: string,
  index: number,
  files: readonly string[],
): Promise<number> {
  const { index: shard, errors } = await pagefind.createIndex({});
  if (!shard) throw new Error(`Pagefind could not start: ${errors.join("; ")}`);
  try {
    // Pages are added one at a time in a fixed order: Pagefind numbers them as they arrive, so
    // adding them concurrently would make the index differ from build to build. Reading ahead
    // keeps the disk out of the way.
    const AHEAD = 32;
    const reads: Promise<string>[] = [];
    const readAt = (i: number) => {
      const file = files[i];
      if (file === undefined || reads[i]) return;
      reads[i] = readFile(path.join(siteDir, file), "utf8");
      // A read that fails before its turn must not crash the process as an unhandled rejection.
      reads[i].catch(() => undefined);
    };
    for (let i = 0; i < AHEAD; i++) readAt(i);
    for (const [i, file] of files.entries()) {
      readAt(i + AHEAD);
      const added = await shard.addHTMLFile({
        url: urlOf(file),
        content: await (reads[i] as Promise<string>),
      });
      if (added.errors.length > 0) throw new Error(`Pagefind: ${file}: ${added.errors.join("; ")}`);
    }
    const bundle = path.join(siteDir, shardFolder(index));
    const written = await shard.writeFiles({ outputPath: bundle });
    if (written.errors.length > 0) throw new Error(`Pagefind: ${written.errors.join("; ")}`);
    return await countedPages(bundle);
  } finally {
    // Closing stops Pagefind's process, and with it the memory of this shard.
    await pagefind.close();
  }
}

/** One index over a whole built site, as the Pagefind CLI would make it. */
export async function buildSearchIndex(siteDir: string): Promise<{ pages: number }> {
  const { index, errors } = await pagefind.createIndex({});
  if (!index) throw new Error(`Pagefind could not start: ${errors.join("; ")}`);
  try {
    const added = await index.addDirectory({ path: siteDir });
    if (added.errors.length > 0) throw new Error(`Pagefind: ${added.errors.join("; ")}`);
    const written = await index.writeFiles({ outputPath: path.join(siteDir, "pagefind") });
    if (written.errors.length > 0) throw new Error(`Pagefind: ${written.errors.join("; ")}`);
    return { pages: await countedPages(path.join(siteDir, "pagefind")) };
  } finally {
    await pagefind.close();
  }
}
