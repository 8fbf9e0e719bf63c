import { readFile, rm } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildInto, cli, hashTree, listFiles } from "../helpers/site.ts";
import { crawl } from "./lib/crawl.ts";
import { liveMarkup } from "./lib/live-markup.ts";
import { checkMachineReadable } from "./lib/machine.ts";
import { projectWith } from "./lib/project.ts";
import { formatHtmlProblem, validateHtml } from "./lib/validate.ts";

/** Whole-site checks over the repository's own content, built once at the root and once under /archive/. */

let work: string;
let site: string;
let prefixed: string;
let again: string;

beforeAll(async () => {
  work = await projectWith({}, path.resolve(import.meta.dirname, "..", ".."));
  site = path.join(work, "site");
  prefixed = path.join(work, "prefixed");
  again = path.join(work, "again");
  const builds = await Promise.all([
    buildInto(site, work),
    buildInto(prefixed, work, { PATH_PREFIX: "/archive/", SITE_URL: "https://example.org" }),
    buildInto(again, work),
  ]);
  for (const build of builds) if (build.code !== 0) throw new Error(build.stderr);
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe.each([
  ["at the root", () => site, "/", "http://localhost:8080/"],
  ["under /archive/", () => prefixed, "/archive/", "https://example.org/archive/"],
])("the built site %s", (_where, dir, prefix, siteUrl) => {
  it("resolves every internal link, image, stylesheet, script and #anchor, and reaches every page from home", async () => {
    const result = await crawl(dir(), prefix);
    expect(result.problems).toEqual([]);
    expect(result.unreachable).toEqual([]);
    expect(result.pages).toBeGreaterThan(50);
    expect(result.references).toBeGreaterThan(1000);
  });

  it("parses its feeds, sitemap, data exports and JSON-LD, and every URL in them names a page", async () => {
    const { problems, checked } = await checkMachineReadable(dir(), siteUrl, prefix);
    expect(problems).toEqual([]);
    expect(checked.xml).toBeGreaterThan(2);
    expect(checked.json).toBeGreaterThan(2);
    expect(checked.jsonLd).toBeGreaterThan(5);
  });

  it("has no script, handler or external load but its own", async () => {
    expect(await liveMarkup(dir(), prefix)).toEqual([]);
  });
});

describe("the built site's HTML", () => {
  it("is valid under html-validate:recommended on every page (tests/quality/htmlvalidate.json)", async () => {
    const problems = await validateHtml(site);
    expect(problems.map(formatHtmlProblem)).toEqual([]);
    expect((await listFiles(site)).filter((f) => f.endsWith(".html")).length).toBeGreaterThan(50);
  });
});

describe("determinism", () => {
  it("two builds of the same content are byte-identical", async () => {
    expect(await listFiles(again)).toEqual(await listFiles(site));
    expect(await hashTree(again)).toBe(await hashTree(site));
  });
});

describe("running from another folder", () => {
  it("builds the content of the current folder with this package's templates", async () => {
    const root = await projectWith({}, path.resolve(import.meta.dirname, "..", ".."));
    const result = await cli(["build", "--quiet"], {}, root);
    expect(result.code, result.stderr).toBe(0);
    const html = await readFile(
      path.join(root, "dist", "articles", "004_2e667484c972bbe6", "index.html"),
      "utf8",
    );
    expect(html).toContain(
      "<h1>Earlier in the day, foreign ministers of NATO states on Friday held a meeting in Brussels…</h1>",
    );
    expect(await hashTree(path.join(root, "dist"))).toBe(await hashTree(site));
    await rm(root, { recursive: true, force: true });
  });
});
