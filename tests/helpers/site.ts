import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { cp, mkdtemp, readdir, readFile, utimes } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { parseDocument } from "htmlparser2";

/** Helpers for tests that build a real site through the CLI, the way a user does. */

export const REPO = path.resolve(import.meta.dirname, "..", "..");

/**
 * Saves a file again unchanged, as an editor might: the next build reads it rather than trusting
 * its stamp, and so looks at everything instead of stopping at "Nothing changed". Without this,
 * whether a build stops there depends on the machine's speed: a file changed within two seconds
 * of a build is not stamped, so a quick first build leaves fresh files unstamped, a slow one not.
 */
export async function saveAgainUnchanged(file: string): Promise<void> {
  const now = new Date();
  await utimes(file, now, now);
}
const run = promisify(execFile);

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function cli(
  args: string[],
  env: Record<string, string> = {},
  cwd = REPO,
): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      [path.join(REPO, "bin", "news-archive.js"), ...args],
      {
        cwd,
        env: { ...process.env, SITE_URL: "", PATH_PREFIX: "", ...env },
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failure.code ?? 1, stdout: failure.stdout ?? "", stderr: failure.stderr ?? "" };
  }
}

/** A temporary content root holding a copy of the repository's content/. */
export async function copyOfContent(): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), "site-root-"));
  await cp(path.join(REPO, "content"), path.join(root, "content"), { recursive: true });
  return root;
}

/**
 * The environment under which Pagefind's npm wrapper runs tests/fixtures/stopping-pagefind.cjs
 * instead of its binary: the real binary, until a request of a type in `stopOn` (space-separated)
 * arrives, when the process is killed, as the out-of-memory killer would.
 */
export function stoppingPagefindEnv(stopOn: string): Record<string, string> {
  return {
    PAGEFIND_EXTENDED_BINARY_PATH: path.join(REPO, "tests", "fixtures", "stopping-pagefind.cjs"),
    REAL_PAGEFIND: createRequire(import.meta.url).resolve(
      `@pagefind/${process.platform}-${process.arch}/bin/pagefind_extended`,
    ),
    STOP_ON: stopOn,
  };
}

export async function buildInto(
  out: string,
  root = REPO,
  env: Record<string, string> = {},
): Promise<CliResult> {
  return cli(["build", "--root", root, "--out", out], env);
}

export async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join("/"))
    .sort();
}

/** One hash over every file's path and bytes: equal hashes mean byte-identical trees. */
export async function hashTree(dir: string): Promise<string> {
  const hash = createHash("sha256");
  for (const file of await listFiles(dir)) {
    hash
      .update(file)
      .update("\0")
      .update(await readFile(path.join(dir, file)))
      .update("\0");
  }
  return hash.digest("hex");
}

export interface PageLinks {
  hrefs: string[];
  srcs: string[];
  ids: Set<string>;
}

export function linksOf(html: string): PageLinks {
  const doc = parseDocument(html);
  const hrefs: string[] = [];
  const srcs: string[] = [];
  const ids = new Set<string>();
  const walk = (node: {
    children?: unknown[];
    attribs?: Record<string, string>;
    name?: string;
  }) => {
    const attribs = node.attribs;
    if (attribs) {
      if (attribs.id) ids.add(attribs.id);
      if (attribs.href !== undefined) hrefs.push(attribs.href);
      if (attribs.src !== undefined) srcs.push(attribs.src);
    }
    for (const child of (node.children ?? []) as (typeof node)[]) walk(child);
  };
  walk(doc as unknown as Parameters<typeof walk>[0]);
  return { hrefs, srcs, ids };
}

/** The file a site URL path resolves to in a built folder, as a static host would serve it. */
export function fileForPath(siteDir: string, urlPath: string, prefix = "/"): string | null {
  if (!urlPath.startsWith(prefix)) return null;
  const inside = decodeURIComponent(urlPath.slice(prefix.length));
  const candidate = path.join(siteDir, inside);
  if (inside === "" || inside.endsWith("/")) {
    const index = path.join(candidate, "index.html");
    return existsSync(index) ? index : null;
  }
  return existsSync(candidate) ? candidate : null;
}

export interface LinkProblem {
  page: string;
  link: string;
  problem: string;
}

/**
 * Every internal link, stylesheet and script of every page resolves, and every #anchor exists on
 * its target page. Returns the problems and the pages reachable from the home page.
 */
export async function checkLinks(
  siteDir: string,
  prefix = "/",
): Promise<{ problems: LinkProblem[]; reachable: Set<string> }> {
  const pages = (await listFiles(siteDir)).filter((f) => f.endsWith(".html"));
  const cache = new Map<string, PageLinks>();
  const linksFor = async (file: string) => {
    let links = cache.get(file);
    if (!links) {
      links = linksOf(await readFile(file, "utf8"));
      cache.set(file, links);
    }
    return links;
  };
  const problems: LinkProblem[] = [];
  const graph = new Map<string, string[]>();
  for (const page of pages) {
    const file = path.join(siteDir, page);
    const links = await linksFor(file);
    const targets: string[] = [];
    for (const link of [...links.hrefs, ...links.srcs]) {
      if (/^(https?:|mailto:)/.test(link) || link === "") continue;
      const [rawPath = "", anchor] = link.split("#");
      const target = rawPath === "" ? file : fileForPath(siteDir, rawPath, prefix);
      if (!target) {
        problems.push({ page, link, problem: "no such file" });
        continue;
      }
      targets.push(target);
      if (anchor && target.endsWith(".html") && !(await linksFor(target)).ids.has(anchor)) {
        problems.push({ page, link, problem: `no element with id "${anchor}"` });
      }
    }
    graph.set(file, targets);
  }
  const reachable = new Set<string>();
  const queue = [path.join(siteDir, "index.html")];
  while (queue.length > 0) {
    const next = queue.pop() as string;
    if (reachable.has(next)) continue;
    reachable.add(next);
    queue.push(...(graph.get(next) ?? []).filter((t) => t.endsWith(".html")));
  }
  return { problems, reachable };
}
