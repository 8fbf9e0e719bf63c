import path from "node:path";
import { parseDocument } from "htmlparser2";
import { renderToStaticMarkup } from "preact-render-to-string";
import { beforeAll, describe, expect, it } from "vitest";
import { pageCount, pagePath, pagesOf, sliceFor } from "../../src/site/pagination.ts";
import { getProject, useProjectRoot } from "../../src/site/project.ts";
import { Pager, PagerLinks } from "../../templates/_lib/pager.tsx";

interface Node {
  name?: string;
  attribs?: Record<string, string>;
  children?: Node[];
  data?: string;
}

function links(html: string): { href: string; rel?: string; current?: string; text: string }[] {
  const found: { href: string; rel?: string; current?: string; text: string }[] = [];
  const text = (n: Node): string => (n.data ?? "") + (n.children ?? []).map(text).join("");
  const walk = (node: Node) => {
    if (node.name === "a" || node.name === "link") {
      found.push({
        href: node.attribs?.href ?? "",
        rel: node.attribs?.rel,
        current: node.attribs?.["aria-current"],
        text: text(node),
      });
    }
    for (const child of node.children ?? []) walk(child);
  };
  walk(parseDocument(html) as unknown as Node);
  return found;
}

describe("pagination", () => {
  it("pages an entity named in 5,000 articles at 50 a page", () => {
    const ids = Array.from({ length: 5_000 }, (_, i) => `a${i}`);
    const pages = pagesOf("/entities/nato/", ids.length, 50);
    expect(pages).toHaveLength(100);
    expect(pages.map((p) => pagePath(p.base, p.number)).slice(0, 3)).toEqual([
      "/entities/nato/",
      "/entities/nato/page/2/",
      "/entities/nato/page/3/",
    ]);
    expect(pagePath("/entities/nato/", 100)).toBe("/entities/nato/page/100/");
    const last = pages.at(-1);
    if (!last) throw new Error("no pages");
    expect(sliceFor(ids, last, 50)).toEqual(ids.slice(4_950));
    expect(new Set(pages.flatMap((p) => sliceFor(ids, p, 50))).size).toBe(5_000);
    expect(pageCount(0, 50)).toBe(1);
    expect(pageCount(51, 50)).toBe(2);
  });
});

describe("pager", () => {
  beforeAll(async () => {
    // The pager links under the project's path prefix, so it needs a loaded project.
    const prefix = process.env.PATH_PREFIX;
    process.env.PATH_PREFIX = "/wire/";
    try {
      useProjectRoot(path.join(import.meta.dirname, "..", "site", "fixtures", "project"));
      await getProject();
    } finally {
      if (prefix === undefined) delete process.env.PATH_PREFIX;
      else process.env.PATH_PREFIX = prefix;
    }
  });

  const page = (number: number, count = 7) => ({ base: "/entities/nato/", number, count });

  it("marks the current page and links its neighbours with rel prev and next", () => {
    const found = links(renderToStaticMarkup(<Pager page={page(4)} label="NATO" />));
    expect(found.filter((l) => l.current === "page").map((l) => l.href)).toEqual([
      "/wire/entities/nato/page/4/",
    ]);
    expect(found.find((l) => l.rel === "prev")?.href).toBe("/wire/entities/nato/page/3/");
    expect(found.find((l) => l.rel === "next")?.href).toBe("/wire/entities/nato/page/5/");
    // First, last and the pages within two of the current one; the first page is the bare list URL.
    expect(found.filter((l) => !l.rel).map((l) => l.href)).toEqual([
      "/wire/entities/nato/",
      "/wire/entities/nato/page/2/",
      "/wire/entities/nato/page/3/",
      "/wire/entities/nato/page/4/",
      "/wire/entities/nato/page/5/",
      "/wire/entities/nato/page/6/",
      "/wire/entities/nato/page/7/",
    ]);
    expect(found.find((l) => l.current === "page")?.text).toBe("Page 4");
  });

  it("has no prev link on the first page, no next on the last, and nothing for a single page", () => {
    const first = links(renderToStaticMarkup(<Pager page={page(1)} label="NATO" />));
    expect(first.some((l) => l.rel === "prev")).toBe(false);
    expect(first.find((l) => l.current === "page")?.href).toBe("/wire/entities/nato/");
    const last = links(renderToStaticMarkup(<Pager page={page(7)} label="NATO" />));
    expect(last.some((l) => l.rel === "next")).toBe(false);
    expect(renderToStaticMarkup(<Pager page={page(1, 1)} label="NATO" />)).toBe("");
  });

  it("gives <head> the same prev and next links", () => {
    expect(links(renderToStaticMarkup(<PagerLinks page={page(2)} />))).toEqual([
      { href: "/wire/entities/nato/", rel: "prev", current: undefined, text: "" },
      { href: "/wire/entities/nato/page/3/", rel: "next", current: undefined, text: "" },
    ]);
    expect(renderToStaticMarkup(<PagerLinks page={page(1, 1)} />)).toBe("");
  });
});
