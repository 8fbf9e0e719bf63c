import type { ChildProcess } from "node:child_process";
import type * as pagefind from "pagefind";

/** See search-pages.js. */
export function createIndexWatched(instance: typeof pagefind): {
  creating: Promise<pagefind.NewIndexResponse>;
  child: ChildProcess | undefined;
};

/** See search-pages.js. */
export function addPages(
  shard: pagefind.PagefindIndex,
  files: readonly string[],
  pageAt: (file: string) => string,
  stopped?: () => boolean,
): Promise<void>;

/** A page as Pagefind knows it (its path in the site), and the file its bytes are read from. */
export type ShardPage = readonly [page: string, file: string];

/** What search-worker.js is started with: the pages of its shard, in Pagefind's order. */
export interface ShardWorkerData {
  pages: readonly ShardPage[];
}

/** The pages to give again, as the build wrote them, before the bundle is made; or stop. */
export type ShardWorkerRequest = { finish: readonly ShardPage[] } | { stop: true };

export interface BundleFile {
  path: string;
  content: Uint8Array;
}

/** search-worker.js's one answer. */
export type ShardWorkerAnswer = { bundle: BundleFile[] } | { failed: string };

/** See search-pages.js. */
export function searchedPart(html: string): string;
