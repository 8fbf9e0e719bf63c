// Plain JavaScript: shared by the build and the worker thread that indexes a shard ahead
// (search-worker.js), which runs without tsx's loader. Typed by search-pages.d.ts.
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { readFile } from "node:fs/promises";

/**
 * A new index of the instance, and the Pagefind process the wrapper started for it if it had
 * none: the wrapper does not watch its process, and a request to one that ended would wait
 * forever, so the caller watches it. The wrapper starts its process synchronously within
 * createIndex, which is when the `child_process` channel tells of it.
 *
 * @param {typeof import("pagefind")} instance
 * @returns {{ creating: Promise<import("pagefind").NewIndexResponse>, child: import("node:child_process").ChildProcess | undefined }}
 */
export function createIndexWatched(instance) {
  /** @type {import("node:child_process").ChildProcess | undefined} */
  let child;
  const spawned = (/** @type {unknown} */ message) => {
    child ??= /** @type {{ process: import("node:child_process").ChildProcess }} */ (message)
      .process;
  };
  subscribe("child_process", spawned);
  try {
    return { creating: instance.createIndex({}), child };
  } finally {
    unsubscribe("child_process", spawned);
  }
}

/**
 * The start tag of an element carrying an attribute matching `attribute` (our pages quote
 * attribute values), its name captured.
 *
 * @param {string} attribute
 * @param {string} [flags]
 */
const startTagWith = (attribute, flags) =>
  new RegExp(`<([a-zA-Z][\\w-]*)\\b[^>]*\\s${attribute}[^>]*>`, flags);
const BODY_TAG = startTagWith('data-pagefind-body(?:="[^"]*")?', "g");
const IGNORED_TAG = startTagWith('data-pagefind-ignore="all"');

/**
 * Where the element whose start tag begins at `start` ends, counting the elements of the same
 * name nested in it; -1 when it does not.
 *
 * @param {string} html
 * @param {number} start
 * @param {string} name
 */
function elementEnd(html, start, name) {
  const tags = new RegExp(`<(/?)${name}\\b[^>]*>`, "g");
  tags.lastIndex = start;
  let depth = 0;
  for (let tag = tags.exec(html); tag; tag = tags.exec(html)) {
    depth += tag[1] ? -1 : 1;
    if (depth === 0) return tag.index + tag[0].length;
  }
  return -1;
}

/**
 * What Pagefind reads of a page, as a page of its own: the page's `<html>` start tag (its
 * language), its title, and its one data-pagefind-body element without the parts marked
 * data-pagefind-ignore="all", which Pagefind skips whole, filters and metadata included. Pagefind
 * still parses what it skips: at 10,000 articles a shard's pages are 26 MB, this 11 MB, for the
 * same index byte for byte, ~0.45 s less CPU of ~7 s per shard of ~1,650 pages (Pagefind and the
 * thread feeding it). A page this cannot cut so surely (no such element or more than one, one
 * itself ignored, an element it cannot find the end of, a Pagefind attribute outside it) is given
 * whole. A parser would cost more than it saves; the pages are our own templates' output.
 *
 * @param {string} html
 * @returns {string}
 */
export function searchedPart(html) {
  const bodies = [...html.matchAll(BODY_TAG)];
  const body = bodies[0];
  if (bodies.length !== 1 || !body?.[1] || body[0].includes("data-pagefind-ignore")) return html;
  const end = elementEnd(html, body.index, body[1]);
  const root = /<html\b[^>]*>/i.exec(html);
  if (end < 0 || !root) return html;
  const outside = html.slice(0, body.index) + html.slice(end);
  if (outside.includes("data-pagefind-")) return html;
  let part = html.slice(body.index, end);
  for (let ignored = IGNORED_TAG.exec(part); ignored?.[1]; ignored = IGNORED_TAG.exec(part)) {
    const ignoredEnd = elementEnd(part, ignored.index, ignored[1]);
    if (ignoredEnd < 0) return html;
    part = part.slice(0, ignored.index) + part.slice(ignoredEnd);
  }
  const title = /<title\b[^>]*>[^<]*<\/title>/i.exec(outside)?.[0] ?? "";
  return `<!DOCTYPE html>${root[0]}<head>${title}</head><body>${part}</body></html>`;
}

/**
 * Pages sent to a Pagefind process ahead of its answers: enough to keep it busy, few enough that
 * the pages waiting in its pipe stay a few megabytes.
 */
const PAGES_IN_FLIGHT = 32;

/**
 * Adds a shard's pages one message each, in the order given. Pagefind numbers pages in the order
 * it takes them, and those numbers are in its index files; reading a folder, it takes them in the
 * order the file system lists them, which differs between file systems and machines (ext4 by a
 * hash seeded per file system, tmpfs and btrfs by creation), so the same site gave different
 * index files. A process handles its messages one at a time, in the order sent.
 *
 * `stopped`, when it says so, ends the adding before the next page: once its process is closed,
 * the wrapper would start another for the next request.
 *
 * @param {import("pagefind").PagefindIndex} shard
 * @param {readonly string[]} files
 * @param {(file: string) => string} pageAt
 * @param {() => boolean} [stopped]
 * @returns {Promise<void>}
 */
export async function addPages(shard, files, pageAt, stopped = () => false) {
  /** @type {Promise<import("pagefind").NewFileResponse>[]} */
  const inFlight = [];
  /** @type {string[]} */
  const errors = [];
  const settleOldest = async () => {
    const answer = await inFlight.shift();
    if (answer) errors.push(...answer.errors);
  };
  for (const file of files) {
    const content = searchedPart(await readFile(pageAt(file), "utf8"));
    if (stopped()) throw new Error("stopped");
    const answer = shard.addHTMLFile({ sourcePath: file, content });
    // Should the process fail, every answer still waited for fails with it: the first is thrown
    // below, and the rest must not end the build as unhandled rejections.
    answer.catch(() => undefined);
    inFlight.push(answer);
    if (inFlight.length >= PAGES_IN_FLIGHT) await settleOldest();
  }
  while (inFlight.length > 0) await settleOldest();
  if (errors.length > 0) throw new Error(`Pagefind: ${errors.join("; ")}`);
}
