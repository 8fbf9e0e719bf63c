import { existsSync } from "node:fs";
import {
  appendFile,
  cp,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { deserialize, serialize } from "node:v8";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderBatches } from "../../src/site/build.ts";
import { exportLayoutsFile, manifestFile } from "../../src/site/reuse.ts";
import { cli, listFiles, saveAgainUnchanged } from "../helpers/site.ts";

/**
 * A build that keeps what did not change must write exactly the site a build from nothing writes.
 * Each case edits the hand-written fixture project the way an editor would, rebuilds over the
 * previous site with the caches, builds the same content afresh with --no-cache elsewhere, and
 * compares the two folders byte for byte.
 */

const FIXTURE = path.join(import.meta.dirname, "fixtures", "project");
let work: string;
let root: string;
let out: string;

const build = async (dir: string, ...flags: string[]) => {
  // With an origin, pages carry structured data that repeats entity details on article pages.
  const result = await cli(["build", "--root", root, "--out", dir, ...flags], {
    SITE_URL: "https://fixture.example.org",
  });
  if (result.code !== 0) throw new Error(result.stderr);
  return result.stdout;
};

async function sameTrees(a: string, b: string): Promise<string[]> {
  const [left, right] = [await listFiles(a), await listFiles(b)];
  const differences = [
    ...left.filter((f) => !right.includes(f)).map((f) => `only in the rebuilt site: ${f}`),
    ...right.filter((f) => !left.includes(f)).map((f) => `only in the fresh site: ${f}`),
  ];
  for (const file of left.filter((f) => right.includes(f))) {
    const [x, y] = await Promise.all([readFile(path.join(a, file)), readFile(path.join(b, file))]);
    if (!x.equals(y)) differences.push(`differs: ${file}`);
  }
  return differences;
}

/** Replaces text in a file as an editor would; an edit that finds nothing to replace is a broken test. */
async function replaceIn(file: string, from: string | RegExp, to: string): Promise<void> {
  const text = await readFile(file, "utf8");
  const edited = text.replace(from, to);
  if (edited === text) throw new Error(`${file} has no ${String(from)} to replace`);
  await writeFile(file, edited);
}

const kept = (stdout: string) =>
  Number(/(\d+) files kept from the previous build/.exec(stdout)?.[1]);
const article = (name: string) => path.join(root, "content", "articles", name);
const knowledge = (name: string) => path.join(root, "content", "knowledge", name);

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), "incremental-"));
  root = path.join(work, "project");
  out = path.join(work, "dist");
  await cp(FIXTURE, root, { recursive: true });
  // Small search shards, so that the index comes in several and rebuilds keep some of them.
  await appendFile(path.join(root, "content", "site.yaml"), "searchShardPages: 4\n");
  await build(out);
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe("rendering in several Eleventy runs", () => {
  it("splits the planned pages to render into runs, the last also writing the unplanned ones", () => {
    const plan = new Map(["a", "b", "c", "d", "e"].map((file) => [file, `hash of ${file}`]));
    expect(renderBatches(plan, new Set(["b"]), 2)).toEqual([
      new Set(["a", "c"]),
      new Set(["d", "e"]),
    ]);
    expect(renderBatches(plan, new Set(["a", "b", "c"]), 2)).toEqual([new Set(["d", "e"])]);
    // Nothing planned to render: one run, for the unplanned pages alone.
    expect(renderBatches(plan, new Set(plan.keys()), 2)).toEqual([new Set()]);
    expect(renderBatches(new Map(), new Set(), 2)).toEqual([new Set()]);
  });

  it("writes the same site as one run", async () => {
    const batched = path.join(work, "batched");
    const stdout = await build(batched, "--no-cache", "--batch-size", "7");
    expect(stdout).toMatch(/0 files kept/);
    expect(await sameTrees(batched, out)).toEqual([]);
    await rm(batched, { recursive: true, force: true });
  });
});

describe("rebuilding after a change", () => {
  it("leaves alone the files it wrote again with the same bytes when every page was rendered again", async () => {
    // The settings are part of every page's hash: another shard size re-renders every page, as an
    // upgrade of this tool does, while the site, with as many shards, stays byte for byte the same.
    const settings = path.join(root, "content", "site.yaml");
    const inodes = async () => {
      const files = await listFiles(out);
      return new Map(
        await Promise.all(
          files.map(async (file) => [file, (await stat(path.join(out, file))).ino] as const),
        ),
      );
    };
    const before = await inodes();
    await replaceIn(settings, "searchShardPages: 4", "searchShardPages: 5");
    try {
      const stdout = await build(out);
      expect(stdout).toMatch(/search 0 of 4 index shards kept/);
      expect(stdout).toContain(
        "0 files kept from the previous build, 0 written over or added to it and 0 deleted from it",
      );
      // Not one file was replaced: a deploy comparing sizes and times sends nothing.
      expect(await inodes()).toEqual(before);
    } finally {
      await replaceIn(settings, "searchShardPages: 5", "searchShardPages: 4");
      await build(out);
    }
  });

  it("keeps every file when nothing changed, without rewriting any", async () => {
    const page = path.join(out, "articles", "wire-2019-11-29-kabul", "index.html");
    const exported = path.join(out, "data", "mentions.csv");
    const before = await stat(page);
    const exportedBefore = await stat(exported);
    // So that the build looks rather than stopping at the stamps.
    await saveAgainUnchanged(article("wire-2019-11-29-kabul.md"));
    const stdout = await build(out);
    expect(stdout).toMatch(/5 of 5 articles from the cache/);
    const shards = /search (\d+) of (\d+) index shards kept/.exec(stdout);
    expect(Number(shards?.[2])).toBeGreaterThan(2);
    expect(shards?.[1]).toBe(shards?.[2]);
    const after = await stat(page);
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
    // The data exports are made from the whole archive, which did not change either.
    const exportedAfter = await stat(exported);
    expect([exportedAfter.ino, exportedAfter.mtimeMs]).toEqual([
      exportedBefore.ino,
      exportedBefore.mtimeMs,
    ]);
  });

  it("writes again a page or export changed by hand in the output folder, and keeps the rest", async () => {
    const page = path.join(out, "articles", "wire-2019-11-29-kabul", "index.html");
    const exported = path.join(out, "data", "entities.csv");
    const original = await readFile(page);
    await appendFile(page, "<p>added by hand</p>");
    await appendFile(exported, "added,by,hand\r\n");
    const stdout = await build(out);
    expect(await readFile(page)).toEqual(original);
    expect(await readFile(exported, "utf8")).not.toContain("added,by,hand");
    // An article saved again unchanged: the build looks at everything (a build with nothing
    // changed at all would keep every file without looking) and keeps all it planned.
    await saveAgainUnchanged(article("wire-2019-11-29-kabul.md"));
    const everything = kept(await build(out));
    expect(kept(stdout)).toBe(everything - 2);
  });

  const EXPORTS = [
    "articles.json",
    "articles.csv",
    "entities.json",
    "entities.csv",
    "mentions.csv",
  ];
  /** Per case, the data exports the rebuild must write again; the others it must keep. */
  const rewrittenExports: Record<string, string[]> = {
    "one article's text gains a mention": EXPORTS,
    "one article's text gains a mention of an entity it did not name": EXPORTS,
    "one article's title changes": ["articles.json", "articles.csv"],
    "one article's text gains a sentence naming nobody, at its end": [],
    "one article's text gains a sentence naming nobody, before its mentions": ["mentions.csv"],
    // Records show an entity's name and kind, not its description; a topic's label, not its
    // definition (and the CSV its id only: written again, the same bytes keep the published file).
    "an entity's description changes in the knowledge base": ["entities.json", "entities.csv"],
    "a topic is renamed": ["articles.json"],
  };
  // Article pages name NATO without its description (their structured data points at its page):
  // when the description changes they are kept, the very files; NATO's own page is written again.
  const NATO_PAGES = [
    ["articles/wire-2019-11-29-kabul/index.html", true],
    ["articles/wire-2021-04-14-withdrawal/index.html", true],
    ["entities/nato/index.html", false],
  ] as const;
  const cases: [string, () => Promise<void>][] = [
    [
      "one article's text gains a mention",
      () => appendFile(article("wire-2019-11-29-kabul.md"), "\nJoe Biden was not there.\n"),
    ],
    [
      // NATO's page, whose counts change, is in another search shard than the article.
      "one article's text gains a mention of an entity it did not name",
      () => appendFile(article("wire-2019-07-03-doha.md"), "\nNATO was not at the talks.\n"),
    ],
    [
      "one article's title changes",
      () =>
        replaceIn(
          article("wire-2019-07-03-doha.md"),
          /^title: .*$/m,
          "title: Talks in Doha resume",
        ),
    ],
    [
      "one article's text gains a sentence naming nobody, at its end",
      () => appendFile(article("wire-2019-07-03-doha.md"), "\nThe afternoon was hot.\n"),
    ],
    [
      "one article's text gains a sentence naming nobody, before its mentions",
      () =>
        replaceIn(
          article("wire-2019-07-03-doha.md"),
          "\n---\n\n",
          "\n---\n\nThe morning was cool.\n\n",
        ),
    ],
    [
      "an entity's description changes in the knowledge base",
      () =>
        replaceIn(
          knowledge("entities.yaml"),
          "The North Atlantic Treaty Organization.",
          "The Atlantic alliance.",
        ),
    ],
    [
      // The Kabul article calls him "Stoltenberg" and "NATO chief" only, so its analysis stays as
      // it was; it still shows his new name to search, so its shard is indexed again.
      "an entity's name changes, the old one kept as an alias",
      () =>
        replaceIn(
          knowledge("entities.yaml"),
          "    name: Jens Stoltenberg\n    kind: person\n    description: Secretary General of NATO 2014–2024.\n    aliases: [Stoltenberg]\n",
          "    name: Jens S. Stoltenberg\n    kind: person\n    description: Secretary General of NATO 2014–2024.\n    aliases: [Stoltenberg, Jens Stoltenberg]\n",
        ),
    ],
    [
      // What `review promote` writes. The article naming him is analysed again (he is no longer
      // a detected entity there) but shows search the same text, so only his page's shard is
      // indexed again.
      "a detected entity joins the knowledge base",
      () =>
        appendFile(
          knowledge("entities.yaml"),
          "  - id: rahim-qaderi\n    name: Rahim Qaderi\n    kind: person\n",
        ),
    ],
    [
      // The undated article's estimate comes from this role: its indexed text changes with it.
      "a role's dates change",
      () =>
        replaceIn(
          knowledge("entities.yaml"),
          "        from: 2021-01-20\n",
          "        from: 2021-01-21\n",
        ),
    ],
    [
      "a person gains an alias that an article uses",
      () =>
        replaceIn(
          knowledge("entities.yaml"),
          "aliases: [Biden]",
          "aliases: [Biden, the troops of NATO]",
        ),
    ],
    [
      "a topic is renamed",
      () => replaceIn(knowledge("topics.yaml"), "label: Peace talks", "label: Peace negotiations"),
    ],
    [
      "an article is added",
      async () => {
        const text = await readFile(article("wire-2019-11-29-kabul.md"), "utf8");
        await writeFile(
          article("wire-2019-12-01-kabul.md"),
          text
            .replace("id: wire-2019-11-29-kabul", "id: wire-2019-12-01-kabul")
            .replace('date: "2019-11-29"', 'date: "2019-12-01"'),
        );
      },
    ],
    ["an article is deleted", () => rm(article("wire-undated-plain.md"))],
    [
      "the site title changes",
      () =>
        replaceIn(path.join(root, "content", "site.yaml"), "Fixture Wire Archive", "Wire Archive"),
    ],
  ];

  for (const [name, edit] of cases) {
    it(`writes the same site as a fresh build when ${name}`, async () => {
      const exported = (file: string) => stat(path.join(out, "data", file));
      const before = await Promise.all(EXPORTS.map(exported));
      const pagesBefore = new Map<string, Awaited<ReturnType<typeof stat>>>();
      for (const [page] of NATO_PAGES) pagesBefore.set(page, await stat(path.join(out, page)));
      await edit();
      const stdout = await build(out);
      const expected = rewrittenExports[name];
      if (expected) {
        const after = await Promise.all(EXPORTS.map(exported));
        const rewritten = EXPORTS.filter(
          (_, i) => after[i]?.ino !== before[i]?.ino || after[i]?.mtimeMs !== before[i]?.mtimeMs,
        );
        expect(rewritten).toEqual(expected);
        // Written again from the previous exports: the other articles' records are copied.
        if (expected.length > 0 && name.includes("article")) {
          const copied = /(\d+) of 5 data exports written, (\d+)% of their bytes copied/.exec(
            stdout,
          );
          expect(Number(copied?.[1])).toBe(expected.length);
          expect(Number(copied?.[2])).toBeGreaterThanOrEqual(50);
        }
      }
      const fresh = path.join(work, "fresh");
      await build(fresh, "--no-cache");
      expect(await sameTrees(out, fresh)).toEqual([]);
      await rm(fresh, { recursive: true, force: true });
      // Site-wide settings touch every page; anything else leaves some pages as they were.
      if (!name.includes("site title")) expect(kept(stdout)).toBeGreaterThan(0);
      if (name.includes("deleted")) {
        // The previous site is updated in place: the deleted article's folder goes with its page.
        expect(existsSync(path.join(out, "articles", "wire-undated-plain"))).toBe(false);
      }
      if (
        name.includes("text gains") ||
        name.includes("description changes") ||
        name.includes("joins the knowledge base")
      ) {
        // Only the changed page's shard is indexed again: the entity pages an article counts
        // towards show new counts, which search leaves out; the articles naming an entity show
        // its name and kind to search, not its description.
        const shards = /search (\d+) of (\d+) index shards kept/.exec(stdout);
        expect(Number(shards?.[1])).toBe(Number(shards?.[2]) - 1);
        // An article's edit: its page's shard was indexed from the published pages while the
        // build planned and rendered, and given the pages written again (see prepareShard).
        if (name.includes("text gains")) {
          expect(stdout).toMatch(/index shards kept, 1 indexed ahead from the published pages/);
        }
      }
      if (name.includes("description changes")) {
        for (const [page, kept] of NATO_PAGES) {
          const now = await stat(path.join(out, page));
          const then = pagesBefore.get(page);
          expect([page, now.ino === then?.ino && now.mtimeMs === then?.mtimeMs]).toEqual([
            page,
            kept,
          ]);
        }
      }
    });
  }

  it("writes the data exports whole when the layouts beside the record are damaged", async () => {
    const layouts = exportLayoutsFile(manifestFile(root, out));
    const text = await readFile(layouts, "utf8");
    await writeFile(layouts, text.slice(0, text.length / 2));
    await appendFile(article("wire-2019-11-29-kabul.md"), "\nJoe Biden was not there either.\n");
    const stdout = await build(out);
    expect(stdout).toMatch(/[1-5] of 5 data exports written, 0% of their bytes copied/);
    const fresh = path.join(work, "fresh");
    await build(fresh, "--no-cache");
    expect(await sameTrees(out, fresh)).toEqual([]);
    await rm(fresh, { recursive: true, force: true });
    // And the next build copies again.
    await appendFile(article("wire-2019-11-29-kabul.md"), "\nNor was Joe Biden.\n");
    expect(await build(out)).toMatch(
      /[1-5] of 5 data exports written, [1-9]\d% of their bytes copied/,
    );
  });
});

describe("after a build that was killed", () => {
  // No process has this id: pids stop at 2^22 on Linux.
  const DEAD = 99_999_999;

  it("deletes the staging folder it left", async () => {
    const staging = path.join(work, `.dist-building-${DEAD}`);
    await mkdir(staging, { recursive: true });
    await writeFile(path.join(staging, "index.html"), "half a site");
    await build(out);
    expect(existsSync(staging)).toBe(false);
  });

  it("puts back the previous site it had moved aside, and keeps its pages", async () => {
    const retired = path.join(work, `.dist-previous-${DEAD}`);
    await rename(out, retired);
    const stdout = await build(out);
    expect(existsSync(retired)).toBe(false);
    expect(kept(stdout)).toBeGreaterThan(0);
    const fresh = path.join(work, "fresh");
    await build(fresh, "--no-cache");
    expect(await sameTrees(out, fresh)).toEqual([]);
    await rm(fresh, { recursive: true, force: true });
  });
});

describe("left beside the site by earlier versions", () => {
  it("deletes the folder of links to the pages that search once read, and nothing else", async () => {
    const links = path.join(work, ".dist-search-links");
    const other = path.join(work, ".dist-notes");
    await mkdir(path.join(links, "0", "articles", "gone"), { recursive: true });
    await writeFile(path.join(links, "0", "articles", "gone", "index.html"), "<p>old</p>");
    await mkdir(other, { recursive: true });
    await writeFile(path.join(other, "keep.txt"), "an editor's file");
    // A build that does work: one with nothing to do stops before search.
    await build(out, "--no-cache");
    expect(existsSync(links)).toBe(false);
    expect(await readFile(path.join(other, "keep.txt"), "utf8")).toBe("an editor's file");
    await rm(other, { recursive: true, force: true });
  });
});

describe("related articles between builds", () => {
  it("are taken over from the last build's memory in the cache, and scored afresh without it", async () => {
    const base = path.join(work, "related");
    const project = path.join(base, "project");
    const site = path.join(base, "dist");
    await cp(FIXTURE, project, { recursive: true });
    const run = async (...flags: string[]) => {
      const result = await cli(["build", "--root", project, "--out", site, ...flags]);
      if (result.code !== 0) throw new Error(result.stderr);
    };
    await run();
    const file = path.join(project, ".cache", "news-archive", "related.v8");
    const stored = deserialize(await readFile(file)) as {
      code: string;
      memory: { postings: Map<string, string>; found: Map<string, { related: string[] }> };
    };
    expect([...stored.memory.found.keys()].sort()).toEqual([
      "wire-2019-07-03-doha",
      "wire-2019-11-29-kabul",
      "wire-2021-04-14-withdrawal",
      "wire-undated-estimate",
      "wire-undated-plain",
    ]);
    // A memory that names another related article is believed, the postings being as they were:
    // the next build in a fresh process shows it.
    const doha = stored.memory.found.get("wire-2019-07-03-doha");
    if (!doha) throw new Error("no memory of the Doha article");
    doha.related = ["wire-undated-plain"];
    await writeFile(file, serialize(stored));
    // Otherwise a first build slow enough to stamp the articles would let this one stop at them.
    await saveAgainUnchanged(path.join(project, "content", "articles", "wire-undated-plain.md"));
    await run();
    const related = async () => {
      const html = await readFile(
        path.join(site, "articles", "wire-2019-07-03-doha", "index.html"),
        "utf8",
      );
      return [
        ...html.slice(html.indexOf("Related articles")).matchAll(/href="\/articles\/([^/]+)\//g),
      ].map((m) => m[1]);
    };
    expect(await related()).toEqual(["wire-undated-plain"]);
    // --no-cache trusts nothing kept: the related articles are scored again.
    await run("--no-cache");
    expect(await related()).not.toEqual(["wire-undated-plain"]);
  });
});

describe("the record a build keeps of each output folder", () => {
  it("is dropped once its folder is deleted, when another folder is built", async () => {
    const cacheDir = path.join(root, ".cache", "news-archive");
    const manifests = async () =>
      (await readdir(cacheDir)).filter((name) => /^site-.*\.json$/.test(name));
    const elsewhere = path.join(work, "elsewhere");
    const elsewhereRecord = manifestFile(root, elsewhere);
    // Written before records named their folder: nothing says whether it is still in use.
    const unnamed = path.join(cacheDir, "site-0123456789abcdef.json");
    await writeFile(unnamed, JSON.stringify({ files: {}, searchShards: [] }));
    await build(elsewhere);
    expect(await manifests()).toContain(path.basename(elsewhereRecord));
    expect(JSON.parse(await readFile(elsewhereRecord, "utf8")).outDir).toBe(elsewhere);
    // With the layouts of its data exports beside it.
    expect(existsSync(exportLayoutsFile(elsewhereRecord))).toBe(true);
    // Still there: its folder is.
    await build(out);
    expect(existsSync(elsewhereRecord)).toBe(true);
    await rm(elsewhere, { recursive: true });
    await build(out);
    expect(existsSync(elsewhereRecord)).toBe(false);
    expect(existsSync(exportLayoutsFile(elsewhereRecord))).toBe(false);
    expect(existsSync(manifestFile(root, out))).toBe(true);
    expect(existsSync(unnamed)).toBe(true);
  });
});

describe("a build with nothing to do", () => {
  let base: string;
  let project: string;
  let site: string;
  const run = async (env: Record<string, string> = {}, ...flags: string[]) => {
    const result = await cli(["build", "--root", project, "--out", site, ...flags], {
      SITE_URL: "https://fixture.example.org",
      ...env,
    });
    if (result.code !== 0) throw new Error(result.stderr);
    return result.stdout;
  };
  const UNCHANGED = /^Nothing changed since the last build/;
  /** Every file of the site with its inode and modification time. */
  const identities = async () =>
    Object.fromEntries(
      await Promise.all(
        (await listFiles(site)).map(async (file) => {
          const info = await stat(path.join(site, file));
          return [file, `${info.ino}:${info.mtimeMs}`] as const;
        }),
      ),
    );
  // A file changed within two seconds of a build is not stamped (its times cannot be trusted
  // yet), so it is read again: the builds that should find nothing to do wait that long first.
  const settle = () => new Promise((resolve) => setTimeout(resolve, 2100));

  beforeAll(async () => {
    base = await mkdtemp(path.join(tmpdir(), "unchanged-"));
    project = path.join(base, "project");
    site = path.join(base, "dist");
    await cp(FIXTURE, project, { recursive: true });
    await settle();
    await run();
  });
  afterAll(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it("checks and stops, every file of the site left as it was", async () => {
    const before = await identities();
    const stdout = await run();
    expect(stdout).toMatch(UNCHANGED);
    expect(stdout).toMatch(/5 articles, \d+ entities/);
    expect(await identities()).toEqual(before);
  });

  it("builds when the settings, the knowledge base or an article changed", async () => {
    // Another origin changes every page's structured data.
    expect(await run({ SITE_URL: "https://elsewhere.example.org" })).not.toMatch(UNCHANGED);
    await settle();
    expect(await run()).not.toMatch(UNCHANGED);
    const entities = path.join(project, "content", "knowledge", "entities.yaml");
    const kb = await readFile(entities, "utf8");
    await writeFile(entities, `${kb}# a comment\n`);
    await settle();
    expect(await run()).not.toMatch(UNCHANGED);
    expect(await run()).toMatch(UNCHANGED);
    const articleFile = path.join(project, "content", "articles", "wire-undated-plain.md");
    await appendFile(articleFile, "\nOne more sentence.\n");
    await settle();
    expect(await run()).not.toMatch(UNCHANGED);
    expect(await run()).toMatch(UNCHANGED);
    // Every remaining file still has its stamp: the list of files is what differs.
    await rm(articleFile);
    const stdout = await run();
    expect(stdout).not.toMatch(UNCHANGED);
    expect(stdout).toMatch(/4 articles/);
    expect(await run()).toMatch(UNCHANGED);
  });

  it("builds when the site's folder is not as the last build left it", async () => {
    const home = path.join(site, "index.html");
    const original = await readFile(home);
    // Not a page the plan tracks: the home page is written by every build that looks.
    await appendFile(home, "<p>added by hand</p>");
    expect(await run()).not.toMatch(UNCHANGED);
    expect(await readFile(home)).toEqual(original);
    // A stray file is removed, as any build that merges into the folder removes it.
    const stray = path.join(site, "stray.html");
    await writeFile(stray, "not ours");
    expect(await run()).not.toMatch(UNCHANGED);
    expect(existsSync(stray)).toBe(false);
    // A missing file of a search bundle is written again.
    const bundle = (await listFiles(site)).find((file) => file.startsWith("pagefind/fragment/"));
    if (!bundle) throw new Error("no search fragment in the site");
    await rm(path.join(site, bundle));
    expect(await run()).not.toMatch(UNCHANGED);
    expect(existsSync(path.join(site, bundle))).toBe(true);
    expect(await run()).toMatch(UNCHANGED);
    // --no-cache trusts nothing kept, stamps included.
    expect(await run({}, "--no-cache")).not.toMatch(UNCHANGED);
  });

  it("builds when the last build's record is damaged, rather than repeat what it says", async () => {
    expect(await run()).toMatch(UNCHANGED);
    const record = manifestFile(project, site);
    const manifest = JSON.parse(await readFile(record, "utf8"));
    await writeFile(
      record,
      JSON.stringify({ ...manifest, counts: { ...manifest.counts, pages: "many" } }),
    );
    const stdout = await run();
    expect(stdout).not.toMatch(UNCHANGED);
    expect(await run()).toMatch(/Nothing changed since the last build of these \d+ pages/);
  });
});

describe("files a rebuild writes again with the same bytes", () => {
  it("keep the published file, its inode and time, across the whole site", async () => {
    const base = await mkdtemp(path.join(tmpdir(), "same-bytes-"));
    try {
      const project = path.join(base, "project");
      const site = path.join(base, "dist");
      await cp(FIXTURE, project, { recursive: true });
      // Small shards, so that the edited page's shard is one of several.
      await appendFile(path.join(project, "content", "site.yaml"), "searchShardPages: 4\n");
      const run = async () => {
        const result = await cli(["build", "--root", project, "--out", site]);
        if (result.code !== 0) throw new Error(result.stderr);
        return result.stdout;
      };
      await run();
      const snapshot = async () =>
        new Map(
          await Promise.all(
            (await listFiles(site)).map(async (file) => {
              const full = path.join(site, file);
              const info = await stat(full);
              return [
                file,
                { bytes: await readFile(full), id: `${info.ino}:${info.mtimeMs}` },
              ] as const;
            }),
          ),
        );
      const before = await snapshot();
      await appendFile(
        path.join(project, "content", "articles", "wire-2019-11-29-kabul.md"),
        "\nThe correspondent added one more sentence after publication.\n",
      );
      const stdout = await run();
      expect(stdout).toMatch(/search (\d+) of (?!\1)\d+ index shards kept/);
      const after = await snapshot();
      const sameBytes = [...after].filter(([file, now]) =>
        before.get(file)?.bytes.equals(now.bytes),
      );
      for (const [file, now] of sameBytes)
        expect([file, now.id]).toEqual([file, before.get(file)?.id]);
      // Not vacuous: the re-indexed shard changed some of its files and kept others.
      const changedSearchFiles = [...after.keys()].filter(
        (file) =>
          file.startsWith("pagefind") &&
          !before.get(file)?.bytes.equals(after.get(file)?.bytes ?? Buffer.alloc(0)),
      );
      expect(changedSearchFiles.length).toBeGreaterThan(0);
      const shardOfFile = (file: string) =>
        file
          .split("/")
          .slice(0, file.startsWith("pagefind-shards/") ? 2 : 1)
          .join("/");
      const reindexed = new Set(changedSearchFiles.map(shardOfFile));
      expect(sameBytes.some(([file]) => reindexed.has(shardOfFile(file)))).toBe(true);
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });
});
