import { describe, expect, it } from "vitest";
import { formatSearchWeight, searchFileKind, searchWeight } from "../../bench/search-weight.ts";

describe("search weight", () => {
  it("tells Pagefind's files by kind, in the first bundle and in shards, under a prefix too", () => {
    expect(searchFileKind("/pagefind/filter/en_2ded359.pf_filter")).toBe("filter");
    expect(searchFileKind("/archive/pagefind-shards/3/index/en_a1.pf_index")).toBe("index");
    expect(searchFileKind("/pagefind-shards/12/fragment/en_b2.pf_fragment")).toBe("fragment");
    expect(searchFileKind("/pagefind/pagefind.en_9b7a8155c5.pf_meta")).toBe("meta");
    expect(searchFileKind("/pagefind/wasm.en.pagefind")).toBe("wasm");
    expect(searchFileKind("/pagefind-shards/1/pagefind-entry.json")).toBe("entry");
    expect(searchFileKind("/pagefind/pagefind-ui.js")).toBe("script");
    expect(searchFileKind("/pagefind/pagefind-ui.css")).toBe("script");
    // The site's own files are not the search's.
    expect(searchFileKind("/assets/style.css")).toBeNull();
    expect(searchFileKind("/search/index.html")).toBeNull();
    expect(searchFileKind("/articles/pagefind-notes/index.html")).toBeNull();
  });

  it("adds up requests and bytes per kind, leaving out what is not Pagefind's", () => {
    const weight = searchWeight([
      { pathname: "/search/", bytes: 9000 },
      { pathname: "/pagefind/pagefind-ui.js", bytes: 90_000 },
      { pathname: "/pagefind/filter/en_1.pf_filter", bytes: 3000 },
      { pathname: "/pagefind-shards/1/filter/en_2.pf_filter", bytes: 2000 },
      { pathname: "/pagefind/wasm.en.pagefind", bytes: 60_000 },
    ]);
    expect(weight.requests).toBe(4);
    expect(weight.bytes).toBe(155_000);
    expect(weight.byKind.filter).toEqual({ requests: 2, bytes: 5000 });
    expect(weight.byKind.index).toEqual({ requests: 0, bytes: 0 });
    expect(formatSearchWeight("Kabul", 667, weight)).toBe(
      '"Kabul": 667 results; 4 requests, 151 KB: filter 2 (5 KB), wasm 1 (59 KB), script 1 (88 KB)',
    );
  });
});
