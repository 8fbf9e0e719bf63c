/**
 * What a reader's browser downloads for a first search, by kind of Pagefind file: the figure that
 * the search shard size (`searchShardPages`) trades against rebuild time (README, "Scaling").
 */

/** The kinds of file a search fetches, in the order reports list them. */
export const SEARCH_FILE_KINDS = [
  "filter",
  "index",
  "fragment",
  "meta",
  "wasm",
  "entry",
  "script",
] as const;

export type SearchFileKind = (typeof SEARCH_FILE_KINDS)[number];

/** The kind of a Pagefind file from its URL path; null for anything else the page loads. */
export function searchFileKind(pathname: string): SearchFileKind | null {
  if (!/\/pagefind(?:-shards\/\d+)?\//.test(pathname)) return null;
  if (pathname.endsWith(".pf_filter")) return "filter";
  if (pathname.endsWith(".pf_index")) return "index";
  if (pathname.endsWith(".pf_fragment")) return "fragment";
  if (pathname.endsWith(".pf_meta")) return "meta";
  if (/\/wasm\.[\w-]+\.pagefind$/.test(pathname)) return "wasm";
  if (pathname.endsWith("/pagefind-entry.json")) return "entry";
  if (/\.(?:js|css)$/.test(pathname)) return "script";
  return null;
}

export interface SearchWeight {
  requests: number;
  bytes: number;
  byKind: Record<SearchFileKind, { requests: number; bytes: number }>;
}

/** Totals of the Pagefind files among the responses (path and body size) a search received. */
export function searchWeight(
  responses: Iterable<{ pathname: string; bytes: number }>,
): SearchWeight {
  const byKind = Object.fromEntries(
    SEARCH_FILE_KINDS.map((kind) => [kind, { requests: 0, bytes: 0 }]),
  ) as SearchWeight["byKind"];
  let requests = 0;
  let bytes = 0;
  for (const { pathname, bytes: size } of responses) {
    const kind = searchFileKind(pathname);
    if (!kind) continue;
    byKind[kind].requests += 1;
    byKind[kind].bytes += size;
    requests += 1;
    bytes += size;
  }
  return { requests, bytes, byKind };
}

/** One line per query: requests and KB in all, then by kind where there were any. */
export function formatSearchWeight(query: string, results: number, weight: SearchWeight): string {
  const kb = (bytes: number) => `${Math.round(bytes / 1024)} KB`;
  const kinds = SEARCH_FILE_KINDS.filter((kind) => weight.byKind[kind].requests > 0).map(
    (kind) => `${kind} ${weight.byKind[kind].requests} (${kb(weight.byKind[kind].bytes)})`,
  );
  return `${JSON.stringify(query)}: ${results} results; ${weight.requests} requests, ${kb(weight.bytes)}: ${kinds.join(", ")}`;
}
