import { createHash } from "node:crypto";
import { link, mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
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

async function countedPages(bundle: string): Promise<number> {
  const entry = JSON.parse(await readFile(path.join(bundle, "pagefind-entry.json"), "utf8")) as {
    languages: Record<string, { page_count: number }>;
  };
  return Object.values(entry.languages).reduce((sum, l) => sum + l.page_count, 0);
}

/** Shards indexed side by side: Pagefind's process waits on our reads and round trips otherwise. */
const SHARDS_AT_ONCE = 2;

async function indexOneShard(
  shard: pagefind.PagefindIndex,
  siteDir: string,
  index: number,
  files: readonly string[],
  pageAt: (file: string) => string,
): Promise<number> {
  // Pagefind reads a folder itself much faster than it takes pages one message at a time, so each
  // shard gets a folder of its own pages, hard-linked at the same paths (the URLs stay the same).
  const folder = await mkdtemp(path.join(path.dirname(siteDir), ".search-shard-"));
  try {
    await Promise.all(
      [...new Set(files.map((f) => path.dirname(path.join(folder, f))))].map((dir) =>
        mkdir(dir, { recursive: true }),
      ),
    );
    await Promise.all(files.map((f) => link(pageAt(f), path.join(folder, f))));
    const added = await shard.addDirectory({ path: folder });
    if (added.errors.length > 0) throw new Error(`Pagefind: ${added.errors.join("; ")}`);
    const bundle = path.join(siteDir, shardFolder(index));
    const written = await shard.writeFiles({ outputPath: bundle });
    if (written.errors.length > 0) throw new Error(`Pagefind: ${written.errors.join("; ")}`);
    return await countedPages(bundle);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

/**
 * Indexes the given pages of a built site into their shards in `siteDir`, a few at a time. Only
 * pages marked data-pagefind-body are indexed, as Pagefind does with a whole folder; returns how
 * many were, per shard. A page is read from `pageAt(file)`, by default the same folder.
 */
export async function buildSearchShards(
  siteDir: string,
  jobs: readonly { index: number; files: readonly string[] }[],
  pageAt: (file: string) => string = (file) => path.join(siteDir, file),
): Promise<Map<number, number>> {
  const counted = new Map<number, number>();
  for (let start = 0; start < jobs.length; start += SHARDS_AT_ONCE) {
    const group = jobs.slice(start, start + SHARDS_AT_ONCE);
    try {
      const indexes = await Promise.all(
        group.map(async () => {
          const { index, errors } = await pagefind.createIndex({});
          if (!index) throw new Error(`Pagefind could not start: ${errors.join("; ")}`);
          return index;
        }),
      );
      const pages = await Promise.all(
        group.map((job, i) =>
          indexOneShard(
            indexes[i] as pagefind.PagefindIndex,
            siteDir,
            job.index,
            job.files,
            pageAt,
          ),
        ),
      );
      for (const [i, job] of group.entries()) counted.set(job.index, pages[i] as number);
    } finally {
      // Closing stops Pagefind's process, and with it the memory of these shards.
      await pagefind.close();
    }
  }
  return counted;
}
