import { createHash } from "node:crypto";
import { link, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import * as pagefind from "pagefind";
import { eachLimited } from "../archive/index.ts";
import { fileHolds } from "./reuse.ts";

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

function countedPages(entryJson: Uint8Array): number {
  const entry = JSON.parse(Buffer.from(entryJson).toString("utf8")) as {
    languages: Record<string, { page_count: number }>;
  };
  return Object.values(entry.languages).reduce((sum, l) => sum + l.page_count, 0);
}

/** Shards indexed side by side: Pagefind's process waits on our reads and round trips otherwise. */
const SHARDS_AT_ONCE = 2;

/** In each shard's link folder: the pages it links, written last, so a folder without it is unknown. */
const LINKED_LIST = ".linked.json";
const LINK_CONCURRENCY = 64;

/**
 * Makes `folder` hold exactly `files`, hard-linked from where `pageAt` says: Pagefind reads a
 * folder itself much faster than it takes pages one message at a time, and the links keep each
 * page at its path, so URLs stay the same. A folder kept from the previous build keeps its
 * sub-folders (one per page: beside a large site, creating 1,600 of them took 0.45 s here) and
 * only has its links replaced.
 */
async function linkPages(
  folder: string,
  files: readonly string[],
  pageAt: (file: string) => string,
): Promise<void> {
  const listed = await readFile(path.join(folder, LINKED_LIST), "utf8")
    .then((text) => new Set(JSON.parse(text) as string[]))
    .catch(() => null);
  // Without its list the folder may hold anything: it starts afresh.
  if (!listed) await rm(folder, { recursive: true, force: true });
  // Also for a shard with no pages, which Pagefind indexes as an empty folder.
  await mkdir(folder, { recursive: true });
  const before = listed ?? new Set<string>();
  // Until the new list is written, a stopped build leaves the folder to be started afresh.
  await rm(path.join(folder, LINKED_LIST), { force: true });
  const wanted = new Set(files);
  await eachLimited(
    [...before].filter((file) => !wanted.has(file)),
    LINK_CONCURRENCY,
    (file) => rm(path.join(folder, file), { force: true }),
  );
  const newFolders = new Set(
    files.filter((file) => !before.has(file)).map((file) => path.dirname(path.join(folder, file))),
  );
  await eachLimited([...newFolders], LINK_CONCURRENCY, async (dir) => {
    await mkdir(dir, { recursive: true });
  });
  await eachLimited(files, LINK_CONCURRENCY, async (file) => {
    const target = path.join(folder, file);
    if (before.has(file)) await rm(target, { force: true });
    await link(pageAt(file), target);
  });
  await writeFile(path.join(folder, LINKED_LIST), JSON.stringify(files));
}

/**
 * The site the new files will be merged into: a shard's file it already holds with the same
 * bytes is not written, but listed in `kept` (relative to the site).
 */
interface PublishedSite {
  dir: string;
  kept: string[];
}

/** Where the shards go. */
interface ShardOutput {
  siteDir: string;
  published: PublishedSite | null;
}

async function indexOneShard(
  shard: pagefind.PagefindIndex,
  output: ShardOutput,
  index: number,
  files: readonly string[],
  pageAt: (file: string) => string,
  linksDir: string,
): Promise<number> {
  const folder = path.join(linksDir, String(index));
  await linkPages(folder, files, pageAt);
  const added = await shard.addDirectory({ path: folder });
  if (added.errors.length > 0) throw new Error(`Pagefind: ${added.errors.join("; ")}`);
  const shardDir = shardFolder(index);
  const { published } = output;
  if (!published) {
    // Nothing to compare with: Pagefind writes the bundle itself.
    const bundle = path.join(output.siteDir, shardDir);
    const written = await shard.writeFiles({ outputPath: bundle });
    if (written.errors.length > 0) throw new Error(`Pagefind: ${written.errors.join("; ")}`);
    return countedPages(await readFile(path.join(bundle, "pagefind-entry.json")));
  }
  // Taken from Pagefind rather than written by it: of a re-indexed shard's ~1,700 files, an edit
  // changes a handful, and writing the rest again (new files, the old ones deleted) is what slowed
  // this disk's file creation build after build (see README, "Scaling").
  const bundle = await shard.getFiles();
  if (bundle.errors.length > 0) throw new Error(`Pagefind: ${bundle.errors.join("; ")}`);
  let entry: Uint8Array | null = null;
  await eachLimited(bundle.files, WRITE_CONCURRENCY, async ({ path: file, content }) => {
    if (file === "pagefind-entry.json") entry = content;
    const relative = `${shardDir}/${file}`;
    if (await fileHolds(path.join(published.dir, relative), content)) {
      published.kept.push(relative);
      return;
    }
    const target = path.join(output.siteDir, relative);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, content);
  });
  if (!entry) throw new Error("Pagefind wrote no pagefind-entry.json");
  return countedPages(entry);
}

const WRITE_CONCURRENCY = 64;

/**
 * Indexes the given pages of a built site into their shards in `siteDir`, a few at a time. Only
 * pages marked data-pagefind-body are indexed, as Pagefind does with a whole folder; returns how
 * many were, per shard. A page is read from `pageAt(file)`, by default the same folder. Each
 * shard's pages are linked into a folder under `linksDir`, kept for the next build when given
 * (beside the site, as the build does), else a temporary one. With `published` (the site the new
 * files will be merged into), a file of a shard that the published site already holds with the
 * same bytes is not written but listed in `published.kept`.
 */
export async function buildSearchShards(
  siteDir: string,
  jobs: readonly { index: number; files: readonly string[] }[],
  pageAt: (file: string) => string = (file) => path.join(siteDir, file),
  linksDir?: string,
  published: PublishedSite | null = null,
): Promise<Map<number, number>> {
  const links = linksDir ?? (await mkdtemp(path.join(path.dirname(siteDir), ".search-links-")));
  try {
    return await indexShardsIn({ siteDir, published }, jobs, pageAt, links);
  } finally {
    if (!linksDir) await rm(links, { recursive: true, force: true });
  }
}

/** Removes the link folders of shards that no longer exist (the archive shrank to fewer). */
export async function pruneLinkFolders(linksDir: string, shards: number): Promise<void> {
  const names = await readdir(linksDir).catch(() => []);
  await Promise.all(
    names
      .filter((name) => !/^\d+$/.test(name) || Number(name) >= shards)
      .map((name) => rm(path.join(linksDir, name), { recursive: true, force: true })),
  );
}

async function indexShardsIn(
  output: ShardOutput,
  jobs: readonly { index: number; files: readonly string[] }[],
  pageAt: (file: string) => string,
  linksDir: string,
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
            output,
            job.index,
            job.files,
            pageAt,
            linksDir,
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
