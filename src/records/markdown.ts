import type { Element, ElementContent, Parent as HastParent, Root as HastRoot, Text } from "hast";
import type { Nodes as MdastNodes, Parent as MdastParent, Root as MdastRoot } from "mdast";
import rehypeSanitize, { defaultSchema, type Options as SanitizeSchema } from "rehype-sanitize";
import rehypeStringify from "rehype-stringify";
import remarkDirective from "remark-directive";
import remarkParse from "remark-parse";
import remarkRehype from "remark-rehype";
import { unified } from "unified";
import type { TextAnnotation } from "./schema.ts";

/**
 * The Markdown dialect of content/articles: CommonMark plus one container directive,
 * `:::caption … :::`, for photo captions. Raw HTML is never passed through: remark-rehype drops it
 * and rehype-sanitize then removes anything outside a small allow-list.
 */

const BLOCKED_TAGS = new Set(["img", "picture", "source", "input", "details", "summary"]);

const sanitizeSchema: SanitizeSchema = {
  ...defaultSchema,
  // Scraped text must not load anything from another origin, so no images or embeds.
  tagNames: [
    ...(defaultSchema.tagNames ?? []).filter((t) => !BLOCKED_TAGS.has(t)),
    "figure",
    "figcaption",
  ],
  attributes: {
    ...defaultSchema.attributes,
    figure: [["className", "caption"]],
  },
  protocols: { ...defaultSchema.protocols, href: ["http", "https", "mailto"] },
};

/** Turns `:::caption` into <figure class="caption"><figcaption>; any other directive back into its text. */
function remarkCaptions(this: unknown) {
  return (tree: MdastRoot, file: { value: unknown }) => {
    const source = String(file.value);
    const rewrite = (parent: MdastParent) => {
      parent.children = parent.children.flatMap((child): MdastNodes[] => {
        if (child.type === "containerDirective") {
          if (child.name === "caption") {
            child.data = { hName: "figure", hProperties: { className: ["caption"] } };
            for (const inner of child.children) {
              if (inner.type === "paragraph") inner.data = { hName: "figcaption" };
            }
            rewrite(child);
            return [child];
          }
          rewrite(child);
          return child.children as MdastNodes[];
        }
        if (child.type === "leafDirective" || child.type === "textDirective") {
          // `:15` in "13:15" or "Note:this" parses as a directive; article text must never vanish.
          const start = child.position?.start.offset;
          const end = child.position?.end.offset;
          const value = start !== undefined && end !== undefined ? source.slice(start, end) : "";
          const text = { type: "text" as const, value };
          return child.type === "leafDirective"
            ? [{ type: "paragraph", children: [text] }]
            : [text];
        }
        if ("children" in child) rewrite(child as MdastParent);
        return [child];
      }) as typeof parent.children;
    };
    rewrite(tree);
  };
}

/** One <h1> per page belongs to the headline, so body headings start at <h2>. */
function rehypeDemoteHeadings() {
  return (tree: HastRoot) => {
    let top = 7;
    visitElements(tree, (el) => {
      const level = headingLevel(el);
      if (level) top = Math.min(top, level);
    });
    if (top >= 2) return;
    const shift = 2 - top;
    visitElements(tree, (el) => {
      const level = headingLevel(el);
      if (level) el.tagName = `h${Math.min(6, level + shift)}`;
    });
  };
}

/** Outbound links from untrusted text carry no referrer and no endorsement. */
function rehypeExternalLinks() {
  return (tree: HastRoot) => {
    visitElements(tree, (el) => {
      if (el.tagName === "a" && typeof el.properties.href === "string") {
        el.properties.rel = ["nofollow", "noopener", "noreferrer", "ugc"];
      }
    });
  };
}

function headingLevel(el: Element): number | null {
  const match = /^h([1-6])$/.exec(el.tagName);
  return match ? Number(match[1]) : null;
}

function visitElements(node: HastParent, fn: (el: Element) => void): void {
  for (const child of node.children) {
    if (child.type === "element") {
      fn(child);
      visitElements(child, fn);
    }
  }
}

const processor = unified()
  .use(remarkParse)
  .use(remarkDirective)
  .use(remarkCaptions)
  .use(remarkRehype)
  .use(rehypeSanitize, sanitizeSchema)
  .use(rehypeDemoteHeadings)
  .use(rehypeExternalLinks)
  .freeze();

const stringifier = unified().use(rehypeStringify).freeze();

/** Parses a Markdown body into a sanitized HTML tree. */
export function markdownToHast(markdown: string): HastRoot {
  return processor.runSync(processor.parse(markdown), markdown) as HastRoot;
}

const BLOCK_TAGS = new Set([
  "p",
  "h1",
  "h2",
  "h3",
  "h4",
  "h5",
  "h6",
  "li",
  "ul",
  "ol",
  "blockquote",
  "figure",
  "figcaption",
  "pre",
  "table",
  "tr",
  "td",
  "th",
  "hr",
  "div",
  "section",
]);

const BLOCK_SEPARATOR = "\n\n";

interface TextVisit {
  node: Text;
  parent: HastParent;
  start: number;
  insideLink: boolean;
}

/**
 * Walks the text of a tree in document order, giving each text node its offset in the plain text.
 * Both `hastToText` and `annotate` use this one walk, so offsets found on the text always land on
 * the same words in the HTML.
 */
function walkText(tree: HastRoot, visit: (v: TextVisit) => void): string {
  let text = "";
  const breakBlock = () => {
    if (text.length > 0 && !text.endsWith(BLOCK_SEPARATOR)) {
      // A loop, not /\n*$/: that regex is tried at every offset of the growing text, so whole
      // articles went quadratic.
      let end = text.length;
      while (end > 0 && text.charCodeAt(end - 1) === 10) end -= 1;
      text = text.slice(0, end) + BLOCK_SEPARATOR;
    }
  };
  const walk = (parent: HastParent, insideLink: boolean) => {
    for (const child of [...parent.children]) {
      if (child.type === "text") {
        // Inter-block newlines that the HTML serialiser adds are layout, not article text.
        if ((text.length === 0 || text.endsWith(BLOCK_SEPARATOR)) && /^\s*$/.test(child.value))
          continue;
        visit({ node: child, parent, start: text.length, insideLink });
        text += child.value;
      } else if (child.type === "element") {
        if (child.tagName === "br") {
          text += "\n";
          continue;
        }
        const block = BLOCK_TAGS.has(child.tagName);
        if (block) breakBlock();
        walk(child, insideLink || child.tagName === "a");
        if (block) breakBlock();
      }
    }
  };
  walk(tree, false);
  return text.replace(/\s+$/, "");
}

/** Plain text of a tree with blocks separated by blank lines. */
export function hastToText(tree: HastRoot): string {
  return walkText(tree, () => {});
}

/**
 * The tree of the body last turned into text. A build renders an article's HTML right after its
 * text, in the same task, and parsing the Markdown is most of the cost of either.
 */
let lastParsed: { markdown: string; tree: HastRoot } | null = null;

/** Plain text of a Markdown body, the string mention offsets refer to. */
export function markdownToText(markdown: string): string {
  const tree = markdownToHast(markdown);
  lastParsed = { markdown, tree };
  return hastToText(tree);
}

/**
 * Wraps ranges of the plain text in links. A range is linked only where it lies inside one text
 * node outside any existing link (nested links are invalid HTML); other ranges are left as text.
 */
function annotate(tree: HastRoot, annotations: readonly TextAnnotation[]): void {
  if (annotations.length === 0) return;
  const sorted = [...annotations].sort((a, b) => a.start - b.start || b.end - a.end);
  const splits: { visit: TextVisit; ranges: TextAnnotation[] }[] = [];
  walkText(tree, (visit) => {
    if (visit.insideLink) return;
    const end = visit.start + visit.node.value.length;
    const ranges: TextAnnotation[] = [];
    let cursor = visit.start;
    for (const a of sorted) {
      if (a.start < cursor || a.end > end || a.end <= a.start) continue;
      ranges.push(a);
      cursor = a.end;
    }
    if (ranges.length > 0) splits.push({ visit, ranges });
  });
  for (const { visit, ranges } of splits) {
    const { node, parent, start } = visit;
    const pieces: ElementContent[] = [];
    let cursor = 0;
    for (const range of ranges) {
      const from = range.start - start;
      const to = range.end - start;
      if (from > cursor) pieces.push({ type: "text", value: node.value.slice(cursor, from) });
      const properties: Element["properties"] = { href: range.href };
      if (range.title) properties.title = range.title;
      if (range.className) properties.className = [range.className];
      pieces.push({
        type: "element",
        tagName: "a",
        properties,
        children: [{ type: "text", value: node.value.slice(from, to) }],
      });
      cursor = to;
    }
    if (cursor < node.value.length) pieces.push({ type: "text", value: node.value.slice(cursor) });
    const index = parent.children.indexOf(node);
    parent.children.splice(index, 1, ...pieces);
  }
}

/** Sanitized HTML of a Markdown body, with the given ranges of its plain text linked. */
export function renderBodyHtml(
  markdown: string,
  annotations: readonly TextAnnotation[] = [],
): string {
  // Annotating changes the tree, so a remembered tree serves one render only.
  const tree = lastParsed?.markdown === markdown ? lastParsed.tree : markdownToHast(markdown);
  lastParsed = null;
  annotate(tree, annotations);
  return stringifier.stringify(tree);
}
