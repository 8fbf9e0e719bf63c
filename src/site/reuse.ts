import { createHash } from "node:crypto";
import { link, mkdir, readdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import path from "node:path";

/**
 * The record a build leaves of the site it wrote: for every planned file, the hash of its inputs
 * and the size and modification time it was written with. The next build reuses a file only when
 * its inputs hash the same and the file in the output folder is still the one recorded, so a
 * site edited or replaced by hand is rendered afresh rather than trusted.
 */
export interface SiteManifest {
  files: Record<string, { signature: string; size: number; mtimeMs: number }>;
  /** Per search shard, the hash of its pages' indexed text and how many pages it indexed. */
  searchShards: ShardRecord[];
}

export interface ShardRecord {
  signature: string;
  pages: number;
}

export function manifestFile(root: string, outDir: string): string {
  const key = createHash("sha256").update(path.resolve(outDir)).digest("hex").slice(0, 16);
  return path.join(root, ".cache", "news-archive", `site-${key}.json`);
}

export async function readManifest(file: string): Promise<SiteManifest | null> {
  try {
    const parsed = JSON.parse(await readFile(file, "utf8")) as Partial<SiteManifest>;
    if (typeof parsed.files !== "object" || parsed.files === null) return null;
    return {
      files: parsed.files,
      searchShards: Array.isArray(parsed.searchShards) ? parsed.searchShards : [],
    };
  } catch {
    return null;
  }
}

export async function writeManifest(file: string, manifest: SiteManifest): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, JSON.stringify(manifest));
  await rename(temp, file);
}

/** Runs `work` over `items` with at most `limit` in flight: thousands of file operations at once exhaust descriptors. */
export async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** Planned files whose inputs are unchanged and whose previous output is still intact. */
export async function reusableFiles(
  plan: ReadonlyMap<string, string>,
  previous: SiteManifest | null,
  outDir: string,
): Promise<Set<string>> {
  const reusable = new Set<string>();
  if (!previous) return reusable;
  const candidates = [...plan].filter(
    ([file, signature]) => previous.files[file]?.signature === signature,
  );
  await eachLimited(candidates, 64, async ([file]) => {
    const recorded = previous.files[file];
    const info = await stat(path.join(outDir, file)).catch(() => null);
    if (
      info?.isFile() &&
      recorded &&
      info.size === recorded.size &&
      info.mtimeMs === recorded.mtimeMs
    ) {
      reusable.add(file);
    }
  });
  return reusable;
}

/**
 * Puts the previous site's copy of each file into the new site as a hard link: nothing is
 * rewritten, and the old folder can be deleted after the swap without losing them.
 */
export async function linkFiles(files: readonly string[], from: string, to: string): Promise<void> {
  const dirs = [...new Set(files.map((f) => path.dirname(path.join(to, f))))];
  // A site has a folder per page; recursive mkdir tolerates siblings creating a shared parent.
  await eachLimited(dirs, 64, async (dir) => {
    await mkdir(dir, { recursive: true });
  });
  await eachLimited(files, 64, async (file) => {
    await link(path.join(from, file), path.join(to, file));
  });
}

/** Every file under `dir`, relative and '/'-separated. */
export async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join("/"));
}

/** Size and modification time of each file as written, for the next build's check. */
export async function recordFiles(
  plan: ReadonlyMap<string, string>,
  dir: string,
): Promise<SiteManifest["files"]> {
  const files: SiteManifest["files"] = {};
  await eachLimited([...plan], 64, async ([file, signature]) => {
    const info = await stat(path.join(dir, file)).catch(() => null);
    if (info?.isFile()) files[file] = { signature, size: info.size, mtimeMs: info.mtimeMs };
  });
  return files;
}
