import { existsSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Element } from "domhandler";
import { parseDocument } from "htmlparser2";
import { listFiles } from "../../helpers/site.ts";
import { elementsOf } from "./html.ts";

/** One broken reference: the page (path inside the built folder), the reference, and why. */
export interface Problem {
  page: string;
  ref: string;
  problem: string;
}

/** Attributes that make the browser fetch or navigate to another resource, by element. */
const REFERENCE_ATTRIBUTES: Record<string, string[]> = {
  a: ["href"],
  area: ["href"],
  link: ["href"],
  img: ["src", "srcset"],
  source: ["src", "srcset"],
  script: ["src"],
  iframe: ["src"],
  video: ["src", "poster"],
  audio: ["src"],
  track: ["src"],
  embed: ["src"],
  object: ["data"],
  form: ["action"],
  button: ["formaction"],
  use: ["href", "xlink:href"],
  image: ["href", "xlink:href"],
};

/** Schemes a page may link to without the crawler following them. */
const EXTERNAL = /^(?:https?:|mailto:|tel:)/i;
/** Schemes that run code or smuggle content in; never acceptable in a built page. */
const UNSAFE = /^\s*(?:javascript|vbscript|data):/i;

/** Origin used only to resolve relative references; never contacted. */
const BASE = "http://site.invalid";

interface ParsedPage {
  refs: { element: string; attribute: string; value: string }[];
  ids: Set<string>;
}

function parsePage(html: string): ParsedPage {
  const refs: ParsedPage["refs"] = [];
  const ids = new Set<string>();
  for (const element of elementsOf(parseDocument(html))) {
    const { attribs, name } = element as Element;
    if (attribs.id !== undefined) ids.add(attribs.id);
    if (name === "a" && attribs.name !== undefined) ids.add(attribs.name);
    for (const attribute of REFERENCE_ATTRIBUTES[name] ?? []) {
      const value = attribs[attribute];
      if (value === undefined) continue;
      const values =
        attribute === "srcset"
          ? value
              .split(",")
              .map((candidate) => candidate.trim().split(/\s+/)[0] ?? "")
              .filter(Boolean)
          : [value];
      for (const v of values) refs.push({ element: name, attribute, value: v });
    }
  }
  return { refs, ids };
}

/** URL path a built file is served at: `people/index.html` -> `/people/`. */
export function urlOfFile(file: string, prefix = "/"): string {
  const url = `${prefix}${file}`;
  return url.endsWith("/index.html") ? url.slice(0, -"index.html".length) : url;
}

/**
 * The file a URL path is served from, as a static host does: `/x/` -> x/index.html. Null when
 * nothing is there, the path escapes the folder, or names a folder without its trailing slash.
 */
export function fileOfUrlPath(siteDir: string, urlPath: string, prefix = "/"): string | null {
  if (!urlPath.startsWith(prefix)) return null;
  let inside: string;
  try {
    inside = decodeURIComponent(urlPath.slice(prefix.length));
  } catch {
    return null;
  }
  const full = path.resolve(
    siteDir,
    inside.endsWith("/") || inside === "" ? `${inside}index.html` : inside,
  );
  if (full !== siteDir && !full.startsWith(`${siteDir}${path.sep}`)) return null;
  return existsSync(full) && statSync(full).isFile() ? full : null;
}

/** `url(...)` references in a stylesheet: fonts and images the page will ask for. */
function cssReferences(css: string): string[] {
  return [...css.matchAll(/url\(\s*(["']?)([^"')]+)\1\s*\)/g)].map((m) => m[2] ?? "");
}

export interface CrawlResult {
  problems: Problem[];
  /** Pages (paths inside the folder) that no chain of links from the home page reaches. */
  unreachable: string[];
  pages: number;
  references: number;
}

/**
 * Checks every reference of every built HTML page and stylesheet: internal links, images,
 * stylesheets and scripts resolve to a file, every `#anchor` names an element on its target page,
 * nothing uses a javascript:/vbscript:/data: URL, and every page is reachable from the home page
 * (the 404 page excepted: the host serves it, nothing links to it).
 */
export async function crawl(siteDir: string, prefix = "/"): Promise<CrawlResult> {
  const root = path.resolve(siteDir);
  const files = await listFiles(root);
  const pages = new Map<string, ParsedPage>();
  for (const file of files.filter((f) => f.endsWith(".html"))) {
    pages.set(file, parsePage(await readFile(path.join(root, file), "utf8")));
  }
  const problems: Problem[] = [];
  const edges = new Map<string, string[]>();
  let references = 0;

  const check = (page: string, value: string, navigation: boolean): string | null => {
    references += 1;
    if (value.trim() === "") {
      problems.push({ page, ref: value, problem: "empty reference" });
      return null;
    }
    if (UNSAFE.test(value)) {
      problems.push({ page, ref: value, problem: "unsafe URL scheme" });
      return null;
    }
    if (EXTERNAL.test(value)) return null;
    const url = new URL(value, `${BASE}${urlOfFile(page, prefix)}`);
    if (url.origin !== BASE) {
      problems.push({ page, ref: value, problem: "unexpected scheme or host" });
      return null;
    }
    const target = fileOfUrlPath(root, url.pathname, prefix);
    if (!target) {
      problems.push({ page, ref: value, problem: `nothing is served at ${url.pathname}` });
      return null;
    }
    const targetFile = path.relative(root, target).split(path.sep).join("/");
    const anchor = decodeURIComponent(url.hash.slice(1));
    if (anchor !== "") {
      const targetPage = pages.get(targetFile);
      if (!targetPage) problems.push({ page, ref: value, problem: "#anchor on a non-HTML file" });
      else if (!targetPage.ids.has(anchor))
        problems.push({ page, ref: value, problem: `${targetFile} has no element id="${anchor}"` });
    }
    return navigation && targetFile.endsWith(".html") ? targetFile : null;
  };

  for (const [page, parsed] of pages) {
    const links: string[] = [];
    for (const ref of parsed.refs) {
      const navigation = ref.element === "a" || ref.element === "area" || ref.element === "link";
      const target = check(page, ref.value, navigation);
      if (target) links.push(target);
    }
    edges.set(page, links);
  }
  for (const sheet of files.filter((f) => f.endsWith(".css"))) {
    for (const ref of cssReferences(await readFile(path.join(root, sheet), "utf8"))) {
      if (!ref.startsWith("data:")) check(sheet, ref, false);
    }
  }

  const reached = new Set<string>();
  const queue = ["index.html"];
  while (queue.length > 0) {
    const next = queue.pop() as string;
    if (reached.has(next) || !pages.has(next)) continue;
    reached.add(next);
    queue.push(...(edges.get(next) ?? []));
  }
  const unreachable = [...pages.keys()].filter((p) => !reached.has(p) && p !== "404.html");
  return { problems, unreachable, pages: pages.size, references };
}
