import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { renderToStaticMarkup } from "preact-render-to-string";
import { afterAll, describe, expect, it } from "vitest";
import {
  articleSearchFilters,
  entitySearchFilters,
  SearchFilterTags,
  topicSearchFilters,
} from "../../src/site/discover/search-filters.tsx";
import {
  buildSearchShards,
  closeOpenShard,
  dropPreparedShard,
  type KeepOpen,
  type PublishedSite,
  prepareShard,
} from "../../src/site/search.ts";
import { searchedPart } from "../../src/site/search-pages.js";
import { stoppingPagefindEnv } from "../helpers/site.ts";
import { testArchive } from "./corpus.ts";

const archive = testArchive();
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** Files under a folder, relative, '/'-separated. */
async function listed(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join("/"));
}

/**
 * The running Pagefind processes this process started; with `unreaped`, also those gone whose end
 * Node has not yet taken note of (and told their ChildProcess objects).
 */
function pagefindChildren(unreaped = false): number[] {
  const listing = execFileSync("ps", ["-o", "pid=,stat=,comm=", "--ppid", String(process.pid)], {
    encoding: "utf8",
  });
  return listing
    .split("\n")
    .map((line) => line.trim().split(/\s+/))
    .filter(
      ([, state = "Z", command = ""]) =>
        (unreaped || !state.startsWith("Z")) && command.includes("pagefind"),
    )
    .map(([pid = ""]) => Number.parseInt(pid, 10));
}

/** A page whose whole <main> search indexes. */
function indexedPage(title: string, text: string): string {
  return page(title, `<main data-pagefind-body><h1>${title}</h1><p>${text}</p></main>`);
}

/** The three pages of a small shard, the second with the text given. */
const THREE_PAGES = ["alpha/index.html", "beta/index.html", "gamma/index.html"];
function threePages(beta: string): Record<string, string> {
  return {
    "alpha/index.html": indexedPage("Alpha", "Kabul airport reopened."),
    "beta/index.html": indexedPage("Beta", beta),
    "gamma/index.html": indexedPage("Gamma", "Talks resumed in Doha."),
  };
}

/** A new folder holding the given pages (path → HTML), removed after the tests. */
async function siteOf(prefix: string, pages: Record<string, string>): Promise<string> {
  const out = await mkdtemp(path.join(tmpdir(), prefix));
  dirs.push(out);
  for (const [file, html] of Object.entries(pages)) {
    await mkdir(path.dirname(path.join(out, file)), { recursive: true });
    await writeFile(path.join(out, file), html);
  }
  return out;
}

function article(id: string) {
  const found = archive.articleById.get(id);
  if (!found) throw new Error(id);
  return found;
}

describe("search filters", () => {
  it("give an article its entities, their kinds, its topics and its year", () => {
    expect(articleSearchFilters(archive, article("wire-2021-08-16-kabul-falls"))).toEqual({
      type: ["Article"],
      year: ["2021"],
      entity: ["Taliban", "Kabul", "NATO", "Hamdullah Mohib"],
      kind: ["Organization", "Place", "Person"],
      topic: ["Withdrawal"],
    });
  });

  it("file an estimate under every year of its period, an undated article under none, and count editors' topics", () => {
    expect(articleSearchFilters(archive, article("undated-estimate")).year).toEqual([
      "2021",
      "2022",
    ]);
    const plain = articleSearchFilters(archive, article("undated-plain"));
    expect(plain.year).toEqual([]);
    expect(plain.topic).toEqual(["Withdrawal"]);
  });

  it("make entity and topic pages findable by the same filters", () => {
    const kabul = archive.entityById.get("kabul");
    const topic = archive.topicById.get("withdrawal");
    if (!kabul || !topic) throw new Error("fixture");
    expect(entitySearchFilters(kabul)).toEqual({
      type: ["Place"],
      kind: ["Place"],
      entity: ["Kabul"],
    });
    expect(topicSearchFilters(topic)).toEqual({ type: ["Topic"], topic: ["Withdrawal"] });
    const html = renderToStaticMarkup(
      <SearchFilterTags filters={{ entity: ["A <b>&</b>", "A <b>&</b>"], year: [] }} />,
    );
    expect(html).toBe(
      '<div hidden data-pagefind-ignore="index"><span data-pagefind-filter="entity">A &lt;b>&amp;&lt;/b></span></div>',
    );
    expect(renderToStaticMarkup(<SearchFilterTags filters={{ year: [] }} />)).toBe("");
  });
});

describe("searchedPart", () => {
  const whole = (body: string, head = "<title>Kabul · Archive</title>") =>
    `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"/>${head}</head><body><nav><a href="/">Home</a></nav><main>${body}</main><footer>About</footer></body></html>`;

  it("keeps the page's language, its title and its indexed element, less what Pagefind skips whole", () => {
    const html = whole(
      '<div class="entity" data-pagefind-body><h1>Kabul</h1><div data-pagefind-ignore="all"><div><p>5 articles</p></div><svg><rect></rect></svg></div><div><p>Capital</p><span data-pagefind-ignore>3 mentions</span></div></div><div>Related</div>',
    );
    expect(searchedPart(html)).toBe(
      '<!DOCTYPE html><html lang="en"><head><title>Kabul · Archive</title></head><body><div class="entity" data-pagefind-body><h1>Kabul</h1><div><p>Capital</p><span data-pagefind-ignore>3 mentions</span></div></div></body></html>',
    );
    const article = whole(
      '<article class="article" data-pagefind-body=""><h1>Kabul</h1></article>',
    );
    expect(searchedPart(article)).toBe(
      '<!DOCTYPE html><html lang="en"><head><title>Kabul · Archive</title></head><body><article class="article" data-pagefind-body=""><h1>Kabul</h1></article></body></html>',
    );
  });

  it("gives whole a page it cannot cut surely", () => {
    for (const html of [
      whole("<h1>No indexed element</h1>"),
      whole("<div data-pagefind-body><p>One</p></div><div data-pagefind-body><p>Two</p></div>"),
      whole("<div data-pagefind-body><p>Never closed</p>"),
      whole('<div data-pagefind-body data-pagefind-ignore="all"><p>Kabul</p></div>'),
      whole('<div data-pagefind-body><span data-pagefind-ignore="all"><p>Never closed</p></div>'),
      whole(
        '<div data-pagefind-body><p>Kabul</p></div><span data-pagefind-filter="year">2021</span>',
      ),
      whole(
        "<div data-pagefind-body><p>Kabul</p></div>",
        '<meta data-pagefind-meta="image:/a.png"/>',
      ),
    ]) {
      expect(searchedPart(html)).toBe(html);
    }
  });
});

/** Pagefind's fragments are gzip'd JSON behind a short signature; reading them shows what it indexed. */
async function fragments(outDir: string) {
  const dir = path.join(outDir, "pagefind", "fragment");
  const files = await readdir(dir);
  return Promise.all(
    files.map(async (f) => {
      const raw = gunzipSync(await readFile(path.join(dir, f))).toString("utf8");
      return JSON.parse(raw.slice(raw.indexOf("{"))) as {
        url: string;
        content: string;
        filters: Record<string, string[]>;
        meta: { title: string };
      };
    }),
  );
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body><nav>Home Archive Search</nav>${body}</body></html>`;
}

describe("buildSearchShards", () => {
  it("numbers pages in the order given, not the order the file system lists them", async () => {
    const files = ["alpha/index.html", "beta/index.html", "gamma/index.html"];
    const body = (title: string) =>
      page(title, `<main data-pagefind-body><h1>${title}</h1><p>${title} words.</p></main>`);
    /** A site holding the pages, created in the given order, indexed in `order`. */
    const indexed = async (created: readonly string[], order: readonly string[]) => {
      const out = await mkdtemp(path.join(tmpdir(), "discover-search-order-"));
      dirs.push(out);
      for (const file of created) {
        await mkdir(path.dirname(path.join(out, file)), { recursive: true });
        await writeFile(path.join(out, file), body(path.dirname(file)));
      }
      const jobs = [
        { index: 0, files: order },
        { index: 1, files: [] },
      ];
      // A shard without pages is indexed all the same (the search page merges every shard).
      expect([...(await buildSearchShards(out, jobs))]).toEqual([
        [0, 3],
        [1, 0],
      ]);
      const bundle = new Map<string, string>();
      for (const file of await listed(path.join(out, "pagefind"))) {
        const bytes = await readFile(path.join(out, "pagefind", file));
        bundle.set(file, bytes.toString("base64"));
      }
      return bundle;
    };
    // Pagefind reading a folder took pages in the order it was listed, which is the order of
    // creation on some file systems and of a per-disk hash on others.
    const sorted = await indexed(files, files);
    expect(await indexed([...files].reverse(), files)).toEqual(sorted);
    // The order given is what counts: the same pages in another order give other index files.
    expect(await indexed(files, [...files].reverse())).not.toEqual(sorted);
  });

  it("gives a shard kept open only its changed pages, and writes what a fresh index of the same pages writes", async () => {
    const files = THREE_PAGES;
    const texts = threePages;
    const site = (pages: Record<string, string>) => siteOf("discover-search-open-", pages);
    const bundle = async (dir: string) => {
      const files = new Map<string, string>();
      for (const file of await listed(path.join(dir, "pagefind"))) {
        files.set(file, (await readFile(path.join(dir, "pagefind", file))).toString("base64"));
      }
      return files;
    };
    /** What reading each page costs the index: the pages it asked for, in order. */
    const reads: string[] = [];
    const indexed = async (dir: string, digests: string[], open: KeepOpen) => {
      const pageAt = (file: string) => {
        reads.push(file);
        return path.join(dir, file);
      };
      await buildSearchShards(dir, [{ index: 0, files, digests }], pageAt, null, open);
      return bundle(dir);
    };
    try {
      const first = await site(texts("Ceasefire talks stalled."));
      const open: KeepOpen = { site: "a site", updated: [] };
      await indexed(first, ["a", "b", "c"], open);
      expect(open.updated).toEqual([]);
      expect(reads).toEqual(files);

      // The second page is edited: only it is read again, and the index is the fresh one's.
      const edited = await site(texts("Ceasefire talks resumed with a zanzibarian mediator."));
      reads.length = 0;
      const updated = await indexed(edited, ["a", "b2", "c"], open);
      expect(open.updated).toEqual([0]);
      expect(reads).toEqual(["beta/index.html"]);
      const fresh = await site(texts("Ceasefire talks resumed with a zanzibarian mediator."));
      await buildSearchShards(fresh, [{ index: 0, files }]);
      expect(updated).toEqual(await bundle(fresh));
      expect(updated).not.toEqual(await bundle(first));

      // Other pages, or another site: indexed afresh, every page read.
      reads.length = 0;
      open.updated.length = 0;
      await indexed(edited, ["a", "b3", "c"], { site: "another site", updated: open.updated });
      expect(open.updated).toEqual([]);
      expect(reads).toEqual(files);

      // Its Pagefind process gone (killed, crashed) since the last build: the shard is indexed
      // afresh, and right.
      const killed = pagefindChildren();
      for (const pid of killed) process.kill(pid, "SIGKILL");
      while (pagefindChildren(true).some((pid) => killed.includes(pid))) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      reads.length = 0;
      const again = { site: "another site", updated: [] };
      const afterKill = await indexed(first, ["a", "b", "c"], again);
      expect(again.updated).toEqual([]);
      expect(pagefindChildren()).toHaveLength(1);
      // The shard was let go with its process: every page is read once, for a new one.
      expect(reads).toEqual(files);
      const freshFirst = await site(texts("Ceasefire talks stalled."));
      await buildSearchShards(freshFirst, [{ index: 0, files }]);
      expect(afterKill).toEqual(await bundle(freshFirst));
    } finally {
      await closeOpenShard();
    }
  });

  it("indexes a shard ahead from the published pages, gives it only the pages written again, and writes what a fresh index writes", async () => {
    const files = THREE_PAGES;
    const texts = threePages;
    const body = indexedPage;
    const site = (pages: Record<string, string>) => siteOf("discover-search-ahead-", pages);
    const edited = "Ceasefire talks resumed with a zanzibarian mediator.";
    const fresh = await site(texts(edited));
    await buildSearchShards(fresh, [{ index: 0, files }]);
    const freshBundle = await listed(path.join(fresh, "pagefind"));

    /**
     * Publishes a site of the old texts, writes the edited page alone into a staging folder, and
     * indexes the shard there as a build merging into that site does, after `prepare`. Returns
     * the pages the build itself read, which shard the prepared one served, and whether the
     * merged bundle (the staging folder's files, the rest kept from the site) is the fresh one's.
     */
    const rebuild = async (prepare: (published: string) => Promise<void>) => {
      const published = await site(texts("Ceasefire talks stalled."));
      await buildSearchShards(published, [{ index: 0, files }]);
      const staging = await site({ "beta/index.html": body("Beta", edited) });
      await prepare(published);
      const reads: string[] = [];
      const written = (file: string) => file === "beta/index.html";
      const pageAt = (file: string) => {
        reads.push(file);
        return path.join(written(file) ? staging : published, file);
      };
      const target: PublishedSite = { dir: published, kept: [], rewritten: written };
      const counted = await buildSearchShards(staging, [{ index: 0, files }], pageAt, target);
      expect(counted).toEqual(new Map([[0, 3]]));
      const merged: string[] = [];
      for (const file of freshBundle) {
        const kept = target.kept.includes(`pagefind/${file}`);
        const bytes = await readFile(path.join(kept ? published : staging, "pagefind", file));
        if (!bytes.equals(await readFile(path.join(fresh, "pagefind", file)))) merged.push(file);
      }
      // Not vacuous: the edit changed some of the bundle's files and left others as they were.
      expect(target.kept.length).toBeGreaterThan(0);
      expect(target.kept.length).toBeLessThan(freshBundle.length);
      return { reads, served: target.fromPrepared, differing: merged };
    };

    // The shard the plan wants: only the page written again goes to Pagefind from the build.
    const ahead = await rebuild((published) => prepareShard(published, 0, files));
    expect(ahead).toEqual({ reads: ["beta/index.html"], served: 0, differing: [] });
    expect(pagefindChildren()).toEqual([]);

    // Prepared with other pages than the plan's: dropped, and the shard indexed afresh.
    const other = await rebuild((published) => prepareShard(published, 0, files.slice(0, 2)));
    expect(other).toEqual({ reads: files, served: undefined, differing: [] });

    // Its worker failed (a published page is missing): the shard is indexed afresh.
    const failed = await rebuild(async (published) => {
      await prepareShard(published, 0, [...files, "missing/index.html"]);
    });
    expect(failed).toEqual({ reads: files, served: undefined, differing: [] });
    expect(pagefindChildren()).toEqual([]);

    // No Pagefind process of the workers above outlived them, not even as a zombie (a worker
    // once asked Pagefind for more after it was told to stop, and the wrapper started a process
    // nobody reaped). Those this thread stopped, it reaps in its own time.
    const waitedSince = Date.now();
    while (pagefindChildren(true).length > 0 && Date.now() - waitedSince < 10_000) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(pagefindChildren(true)).toEqual([]);

    // A build that fails before its search stage stops the worker and its Pagefind process, which
    // the worker waits for.
    const published = await site(texts("Ceasefire talks stalled."));
    await prepareShard(published, 0, files);
    await dropPreparedShard();
    expect(pagefindChildren(true)).toEqual([]);
  });

  it.each([
    ["as it takes pages", "AddFile"],
    ["as it writes the index, with nothing more sent to it", "WriteFiles GetFiles"],
  ])(
    "fails with an error saying so when a Pagefind process ends %s, and never hangs",
    async (_, stopOn) => {
      const dir = await mkdtemp(path.join(tmpdir(), "discover-search-stopped-"));
      dirs.push(dir);
      const files = Array.from({ length: 40 }, (_, i) => `page-${i}/index.html`);
      for (const [i, file] of files.entries()) {
        await mkdir(path.join(dir, path.dirname(file)), { recursive: true });
        await writeFile(
          path.join(dir, file),
          page(`Page ${i}`, `<main data-pagefind-body><p>Report ${i} from Kabul.</p></main>`),
        );
      }
      const jobs = [
        { index: 0, files: files.slice(0, 20) },
        { index: 1, files: files.slice(20) },
      ];
      const saved = { ...process.env };
      Object.assign(process.env, stoppingPagefindEnv(stopOn));
      try {
        await expect(buildSearchShards(dir, jobs)).rejects.toThrow(
          /^Pagefind, which builds the search index, stopped \(killed by SIGKILL\) while indexing search shard [01];/,
        );
      } finally {
        process.env = saved;
      }
      expect(pagefindChildren()).toEqual([]);
      // Nothing of the stopped processes lingers: the next build, with Pagefind well, succeeds.
      expect([...(await buildSearchShards(dir, jobs))]).toEqual([
        [0, 20],
        [1, 20],
      ]);
    },
  );

  it("leaves out of the new site the files a published one already holds with the same bytes", async () => {
    const published = await mkdtemp(path.join(tmpdir(), "discover-search-published-"));
    const staging = await mkdtemp(path.join(tmpdir(), "discover-search-staging-"));
    dirs.push(published, staging);
    const write = async (dir: string, file: string, html: string) => {
      await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
      await writeFile(path.join(dir, file), html);
    };
    const body = indexedPage;
    const files = ["one/index.html", "two/index.html"];
    for (const dir of [published, staging]) {
      await write(dir, files[0] as string, body("One", "The first page."));
    }
    await write(published, files[1] as string, body("Two", "The second page."));
    await write(staging, files[1] as string, body("Two", "The second page, edited."));
    await buildSearchShards(published, [{ index: 0, files }]);
    const before = new Set(await listed(path.join(published, "pagefind")));

    const kept: string[] = [];
    const counted = await buildSearchShards(staging, [{ index: 0, files }], undefined, {
      dir: published,
      kept,
    });
    expect([...counted]).toEqual([[0, 2]]);
    const written = await listed(path.join(staging, "pagefind"));
    // The edited page's fragment and the index that finds its words are new; the first page's
    // fragment, the scripts and the styles are the published ones.
    expect(written.length).toBeGreaterThan(0);
    expect(kept.length).toBeGreaterThan(0);
    for (const file of kept) expect(before.has(file.replace(/^pagefind\//, ""))).toBe(true);
    expect(kept).toContain("pagefind/pagefind-ui.js");
    expect(written).not.toContain("pagefind-ui.js");
    expect(written.some((file) => file.startsWith("fragment/"))).toBe(true);
    expect(kept.some((file) => file.startsWith("pagefind/fragment/"))).toBe(true);
  });

  it("indexes the marked pages of a folder with the real Pagefind binary, filters included", async () => {
    const out = await mkdtemp(path.join(tmpdir(), "discover-search-"));
    dirs.push(out);
    const falls = article("wire-2021-08-16-kabul-falls");
    const kabul = archive.entityById.get("kabul");
    if (!kabul) throw new Error("fixture");
    const pages: Record<string, string> = {
      "articles/falls/index.html": page(
        falls.title,
        renderToStaticMarkup(
          <article data-pagefind-body="">
            <SearchFilterTags filters={articleSearchFilters(archive, falls)} />
            <h1>{falls.title}</h1>
            <p>{falls.lead}</p>
          </article>,
        ),
      ),
      "entities/kabul/index.html": page(
        "Kabul",
        renderToStaticMarkup(
          <div data-pagefind-body="">
            <SearchFilterTags filters={entitySearchFilters(kabul)} />
            <h1>Kabul</h1>
            <p>{kabul.description}</p>
            <ol data-pagefind-ignore="all">
              <li>The Taliban entered Kabul on Sunday.</li>
            </ol>
          </div>,
        ),
      ),
      "search/index.html": page("Search", "<main><h1>Search</h1></main>"),
    };
    for (const [file, html] of Object.entries(pages)) {
      await mkdir(path.dirname(path.join(out, file)), { recursive: true });
      await writeFile(path.join(out, file), html);
    }

    // Every page is handed over; only the two marked data-pagefind-body are indexed.
    const counted = await buildSearchShards(out, [{ index: 0, files: Object.keys(pages).sort() }]);
    expect([...counted]).toEqual([[0, 2]]);
    for (const file of [
      "pagefind.js",
      "pagefind-ui.js",
      "pagefind-ui.css",
      "pagefind-entry.json",
    ]) {
      expect(existsSync(path.join(out, "pagefind", file)), file).toBe(true);
    }
    const indexed = (await fragments(out)).sort((a, b) => a.url.localeCompare(b.url));
    expect(indexed.map((f) => f.url)).toEqual(["/articles/falls/", "/entities/kabul/"]);
    expect(indexed[0]?.filters).toEqual({
      type: ["Article"],
      year: ["2021"],
      entity: ["Taliban", "Kabul", "NATO", "Hamdullah Mohib"],
      kind: ["Organization", "Place", "Person"],
      topic: ["Withdrawal"],
    });
    expect(indexed[0]?.content).toContain("evacuations continue");
    // Filter values are for filtering: they are neither searched nor shown in excerpts.
    expect(indexed[0]?.content).not.toContain("Hamdullah");
    expect(indexed[1]?.content).not.toMatch(/Place/);
    // The page's own words are indexed; the quoted article sentences are left to the article.
    expect(indexed[1]?.content).toContain("Kabul, for tests.");
    expect(indexed[1]?.content).not.toContain("Sunday");
    expect(indexed[1]?.content).not.toContain("Home Archive Search");
  });
});
