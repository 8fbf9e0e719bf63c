import { readFile } from "node:fs/promises";
import path from "node:path";
import { listFiles } from "../../helpers/site.ts";
import type { Problem } from "./crawl.ts";
import { parseHtml } from "./html.ts";

/** Elements that embed, frame, redirect or re-base a page; none belongs in an archive page. */
const FORBIDDEN_ELEMENTS = new Set([
  "iframe",
  "frame",
  "frameset",
  "object",
  "embed",
  "applet",
  "base",
  "form",
  "style",
  "foreignobject",
  "portal",
]);
const URL_ATTRIBUTES = new Set([
  "href",
  "src",
  "srcset",
  "action",
  "formaction",
  "xlink:href",
  "poster",
  "data",
  "background",
  "ping",
]);
/** Browsers drop tabs, newlines and control characters inside a scheme: `jav\tascript:` still runs. */
const squeeze = (value: string) =>
  [...value].filter((c) => (c.codePointAt(0) ?? 0) > 0x20 && !/\p{Cc}/u.test(c)).join("");
const SCRIPT_SCHEME = /^(?:javascript|vbscript|data|livescript):/i;

/**
 * Everything in a built page that could run script or load from another origin, except the site's
 * own: JSON-LD blocks (which must parse and not contain `</script`) and, on the search page,
 * Pagefind's script and the one line that starts it.
 */
export function liveMarkupIn(html: string, page: string, prefix = "/"): Problem[] {
  const problems: Problem[] = [];
  const add = (ref: string, problem: string) => problems.push({ page, ref, problem });
  const { all, text } = parseHtml(html);
  const scripts = all.filter((e) => e.name === "script");
  for (const script of scripts) {
    const content = text(script);
    const src = script.attribs.src;
    if (script.attribs.type === "application/ld+json" && src === undefined) {
      try {
        JSON.parse(content);
      } catch {
        add(content.slice(0, 80), "JSON-LD block does not parse");
      }
      if (/<\/?script|<!--/i.test(content)) add(content.slice(0, 80), "JSON-LD contains markup");
    } else if (page === "search/index.html" && src === `${prefix}pagefind/pagefind-ui.js`) {
      // The search page's own script.
    } else if (
      page === "search/index.html" &&
      src === undefined &&
      /^new PagefindUI\(\{[^<]*\}\);?$/.test(content.trim())
    ) {
      // The line that starts the search box.
    } else add(src ?? content.slice(0, 80), "script that is not the site's own");
  }
  if ((html.match(/<script\b/gi) ?? []).length !== scripts.length) {
    add("<script", "raw <script tags that the parser did not see as elements");
  }
  for (const element of all) {
    if (FORBIDDEN_ELEMENTS.has(element.name)) add(`<${element.name}>`, "forbidden element");
    if (element.name === "meta" && element.attribs["http-equiv"]?.toLowerCase() === "refresh") {
      add("<meta http-equiv=refresh>", "redirecting meta");
    }
    for (const [name, value] of Object.entries(element.attribs)) {
      if (/^on/i.test(name)) add(`${name}="${value}"`, `event handler on <${element.name}>`);
      if (URL_ATTRIBUTES.has(name.toLowerCase())) {
        if (SCRIPT_SCHEME.test(squeeze(value))) add(value, `script URL in ${name}`);
        const loads =
          name !== "href" ||
          (element.name === "link" &&
            element.attribs.rel !== "canonical" &&
            element.attribs.rel !== "alternate");
        if (loads && /^(?:https?:)?\/\//i.test(value.trim()))
          add(value, `<${element.name}> loads from another origin`);
      }
      if (name === "style" && /expression\s*\(|url\s*\(|behavior\s*:|-moz-binding/i.test(value)) {
        add(value, "style attribute that runs or loads something");
      }
    }
  }
  return problems;
}

/** liveMarkupIn over every HTML page of a built folder. */
export async function liveMarkup(siteDir: string, prefix = "/"): Promise<Problem[]> {
  const problems: Problem[] = [];
  for (const page of (await listFiles(siteDir)).filter((f) => f.endsWith(".html"))) {
    problems.push(...liveMarkupIn(await readFile(path.join(siteDir, page), "utf8"), page, prefix));
  }
  return problems;
}
