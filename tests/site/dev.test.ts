import { existsSync } from "node:fs";
import { appendFile, cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { deserialize, serialize } from "node:v8";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EDITED_PAGES_FIRST } from "../../src/site/build.ts";
import { addReloadScript, type DevServer, startDevServer } from "../../src/site/dev.ts";
import { cli, listFiles, saveAgainUnchanged } from "../helpers/site.ts";

/**
 * `npm start` on a copy of the fixture project: real builds on real edits, read back over HTTP the
 * way a browser does, including the live-reload event stream.
 */

const FIXTURE = path.join(import.meta.dirname, "fixtures", "project");
const ARTICLE = "wire-2019-07-03-doha";
let work: string;
let root: string;
let server: DevServer;
let output = "";

const article = (name: string) => path.join(root, "content", "articles", name);
const page = async (urlPath: string) => {
  const response = await fetch(new URL(urlPath, server.url));
  return { status: response.status, text: await response.text() };
};

/** Reads the event stream until an event of that name arrives; returns its data. */
async function nextEvent(name: string, act?: () => Promise<void>): Promise<unknown> {
  return (await eventsUntil(name, act)).data;
}

/** The names of the events that arrived up to and including the first called `name`, and its data. */
async function eventsUntil(
  name: string,
  act?: () => Promise<void>,
): Promise<{ names: string[]; data: unknown }> {
  const controller = new AbortController();
  const response = await fetch(new URL("/__news-archive/events", server.url), {
    signal: controller.signal,
  });
  expect(response.headers.get("content-type")).toBe("text/event-stream");
  const reader = response.body?.getReader();
  if (!reader) throw new Error("no event stream");
  await act?.();
  const decoder = new TextDecoder();
  let received = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`stream ended before "${name}": ${received}`);
      received += decoder.decode(value, { stream: true });
      const match = new RegExp(`event: ${name}\\ndata: (.*)\\n\\n`).exec(received);
      if (match?.[1] !== undefined) {
        const names = [
          ...received.slice(0, match.index + match[0].length).matchAll(/^event: (.*)$/gm),
        ];
        return { names: names.map((m) => m[1] ?? ""), data: JSON.parse(match[1]) as unknown };
      }
    }
  } finally {
    controller.abort();
  }
}

interface ServerEvent {
  name: string;
  data: unknown;
}

/** An event stream opened as a page opens it, and what it receives until stopped. */
async function listen(): Promise<{ stop: () => void; events: Promise<ServerEvent[]> }> {
  const controller = new AbortController();
  const response = await fetch(new URL("/__news-archive/events", server.url), {
    signal: controller.signal,
  });
  const reader = response.body?.getReader();
  if (!reader) throw new Error("no event stream");
  const events = (async () => {
    const decoder = new TextDecoder();
    let received = "";
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        received += decoder.decode(value, { stream: true });
      }
    } catch (error) {
      if (!controller.signal.aborted) throw error;
    }
    return [...received.matchAll(/^event: (.*)\ndata: (.*)$/gm)].map((m) => ({
      name: m[1] ?? "",
      data: JSON.parse(m[2] ?? "null") as unknown,
    }));
  })();
  return { stop: () => controller.abort(), events };
}

/** The names of the events a page connecting now receives at once. */
async function eventsOnConnect(): Promise<string[]> {
  const { stop, events } = await listen();
  setTimeout(stop, 200);
  return (await events).map((event) => event.name);
}

/** The events of the build `act` causes, until a moment after that build finished. */
async function eventsOfBuild(act: () => Promise<void>): Promise<ServerEvent[]> {
  const { stop, events } = await listen();
  const built = server.nextBuild();
  await act();
  expect((await built).ok).toBe(true);
  // A reload sent after the build would arrive within moments of it.
  setTimeout(stop, 300);
  return events;
}

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), "dev-server-"));
  root = path.join(work, "project");
  await cp(FIXTURE, root, { recursive: true });
  server = await startDevServer({
    root,
    outDir: path.join(work, "dist"),
    port: 0,
    settleMs: 50,
    log: (text) => {
      output += text;
    },
  });
});

afterAll(async () => {
  await server?.close();
  await rm(work, { recursive: true, force: true });
});

describe("the development server", () => {
  it("builds the whole site first, search index included, and serves it with the reload script", async () => {
    expect(server.first.ok).toBe(true);
    expect(output).toMatch(/Built \d+ pages/);
    const home = await page("/");
    expect(home.status).toBe(200);
    expect(home.text).toContain('<script type="module" src="/__news-archive/live-reload.js">');
    expect((await page("/pagefind/pagefind.js")).status).toBe(200);
    const client = await page("/__news-archive/live-reload.js");
    expect(client.text).toContain("EventSource");
    // The build error quotes article text: it must never be parsed as HTML.
    expect(client.text).toContain("textContent");
    expect(client.text).not.toMatch(/innerHTML|insertAdjacentHTML/);
    expect((await page("/no-such-page/")).status).toBe(404);
  });

  it("rebuilds when an article changes and tells open pages to reload", async () => {
    const file = article(`${ARTICLE}.md`);
    const original = await readFile(file, "utf8");
    const edited = original.replace(/^title: .*$/m, 'title: "Talks resume in Doha, edited live"');
    expect(edited).not.toBe(original);
    const built = server.nextBuild();
    const logged = output.length;
    // The edited article's page is written first, and reloads on its own.
    expect(await nextEvent("reload", () => writeFile(file, edited))).toEqual({
      only: [`/articles/${ARTICLE}/`],
    });
    // Reloading now shows the edit, while the build still writes the other pages it reaches.
    expect((await page(`/articles/${ARTICLE}/`)).text).toContain(
      "Talks resume in Doha, edited live",
    );
    expect((await built).ok).toBe(true);
    // The same builder process built again, with the article cache still in its memory.
    expect(output.slice(logged)).toMatch(/4 of 5 articles from the cache \(held in memory\)/);
    // The search index the first build left open took the edited page alone (the site is one
    // shard); the last test compares the index so made with a fresh build's.
    expect(output.slice(logged)).toMatch(
      /search 0 of 1 index shards kept, 1 updated in the index kept open/,
    );
    expect((await page(`/articles/${ARTICLE}/`)).text).toContain(
      "Talks resume in Doha, edited live",
    );
  });

  it("tells open pages a rebuild has started, then the edited article's page to reload, then every other page", async () => {
    // Each page once: the edited article's as soon as it is written, the others once every page
    // is, and none again when the search index that follows is published.
    const events = await eventsOfBuild(() =>
      appendFile(article(`${ARTICLE}.md`), "\nTalks were to resume the next morning.\n"),
    );
    const edited = `/articles/${ARTICLE}/`;
    expect(events).toEqual([
      { name: "building", data: "" },
      { name: "reload", data: { only: [edited] } },
      { name: "reload", data: { except: [edited] } },
    ]);
    const client = await page("/__news-archive/live-reload.js");
    expect(client.text).toContain('"building"');
    expect(client.text).toContain('"status"');
  });

  it("keeps serving the previous site when a build fails, and shows where the error is", async () => {
    const before = (await page(`/articles/${ARTICLE}/`)).text;
    const broken = article("broken.md");
    const built = server.nextBuild();
    const message = await nextEvent("failed", () =>
      writeFile(broken, '---\ntitle: "<script>alert(1)</script>"\ndate: 2019-13-45\n---\nText.\n'),
    );
    const build = await built;
    expect(build.ok).toBe(false);
    expect(message).toBe(build.error);
    expect(message).toMatch(/content\/articles\/broken\.md:3/);
    expect(message).toMatch(/date/);
    const after = await page(`/articles/${ARTICLE}/`);
    expect(after.status).toBe(200);
    expect(after.text).toBe(before);
    // A page opened while the site is broken learns why as soon as it connects.
    expect(await nextEvent("failed")).toBe(message);

    const fixed = server.nextBuild();
    await nextEvent("reload", () => rm(broken));
    // A page reloading now, while the fixed build may still be indexing for search, is not told
    // of the error that is gone.
    expect(await eventsOnConnect()).not.toContain("failed");
    expect((await fixed).ok).toBe(true);
  });

  it("counts a page written first once, when the edit leaves it as it was", async () => {
    // Bytes changed, record unchanged: the page is written first, though the plan would keep it.
    const built = server.nextBuild();
    const logged = output.length;
    await appendFile(article(`${ARTICLE}.md`), "\n\n");
    expect((await built).ok).toBe(true);
    const files = await listFiles(path.join(work, "dist"));
    const pages = files.filter((file) => file.endsWith(".html")).length;
    expect(output.slice(logged)).toContain(`Built ${pages} pages (${files.length} files)`);
  });

  it("reloads every page at once when more articles than EDITED_PAGES_FIRST were analysed", async () => {
    const source = await readFile(article(`${ARTICLE}.md`), "utf8");
    // All at once, within the watcher's quiet time: one build.
    const copies = Array.from({ length: EDITED_PAGES_FIRST + 1 }, (_, n) => `copy-${n}`);
    const events = await eventsOfBuild(async () => {
      await Promise.all(
        copies.map((id) =>
          writeFile(article(`${id}.md`), source.replace(`id: ${ARTICLE}`, `id: ${id}`)),
        ),
      );
    });
    expect(events).toEqual([
      { name: "building", data: "" },
      { name: "reload", data: {} },
    ]);
  });

  it("ignores editors' swap files", async () => {
    let built = false;
    void server.nextBuild().then(() => {
      built = true;
    });
    await writeFile(article(`.${ARTICLE}.md.swp`), "not an article");
    await writeFile(article(`${ARTICLE}.md~`), "not an article");
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(built).toBe(false);
  });
});

describe("a builder that has made its share of builds", () => {
  it("hands over to a fresh one, which builds from the cache on disk", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "dev-builders-"));
    const project = path.join(dir, "project");
    await cp(FIXTURE, project, { recursive: true });
    let log = "";
    const short = await startDevServer({
      root: project,
      outDir: path.join(dir, "dist"),
      port: 0,
      settleMs: 50,
      buildsPerBuilder: 2,
      log: (text) => {
        log += text;
      },
    });
    try {
      const file = path.join(project, "content", "articles", `${ARTICLE}.md`);
      const summaries: string[] = [];
      for (const edit of [1, 2]) {
        const built = short.nextBuild();
        const logged = log.length;
        await appendFile(file, `\nOne more sentence, number ${edit}.\n`);
        expect((await built).ok).toBe(true);
        summaries.push(log.slice(logged));
      }
      // The second build of the first builder, then the first of the next one.
      expect(summaries[0]).toMatch(/from the cache \(held in memory\)/);
      expect(summaries[1]).toMatch(/4 of 5 articles from the cache, 1 parsed/);
      expect(summaries[1]).not.toMatch(/held in memory/);
      expect((await fetch(new URL(`articles/${ARTICLE}/`, short.url))).status).toBe(200);
    } finally {
      await short.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("started on a site built before", () => {
  it("checks it, then holds the article cache and related articles in memory for the first edit, and leaves the cache on disk", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "dev-prepared-"));
    const project = path.join(dir, "project");
    const dist = path.join(dir, "dist");
    await cp(FIXTURE, project, { recursive: true });
    // Files changed within two seconds of a build are not stamped, so would be read again.
    await new Promise((resolve) => setTimeout(resolve, 2100));
    expect((await cli(["build", "--root", project, "--out", dist, "--quiet"])).code).toBe(0);
    // The build's memory of related articles, made to name another one: shown on the edited
    // article's page only if the builder took the memory over (its postings are as they were).
    const memoryFile = path.join(project, ".cache", "news-archive", "related.v8");
    const stored = deserialize(await readFile(memoryFile)) as {
      memory: { found: Map<string, { related: string[] }> };
    };
    const remembered = stored.memory.found.get(ARTICLE);
    if (!remembered) throw new Error(`no memory of ${ARTICLE}`);
    remembered.related = ["wire-undated-plain"];
    await writeFile(memoryFile, serialize(stored));
    let log = "";
    const prepared = await startDevServer({
      root: project,
      outDir: dist,
      port: 0,
      settleMs: 50,
      log: (text) => {
        log += text;
      },
    });
    try {
      expect(prepared.first.ok).toBe(true);
      expect(log).toMatch(/Nothing changed since the last build/);
      for (const edit of [1, 2]) {
        const built = prepared.nextBuild();
        const logged = log.length;
        await appendFile(
          path.join(project, "content", "articles", `${ARTICLE}.md`),
          `\nOne more sentence, number ${edit}.\n`,
        );
        expect((await built).ok).toBe(true);
        // Whether the first edit came before the builder had read the cache in or after, the
        // cache is in memory.
        expect(log.slice(logged)).toMatch(/of 5 articles from the cache \(held in memory\)/);
      }
      // Getting ready, the builder planned the site, and so kept the related articles it had.
      const html = await (await fetch(new URL(`articles/${ARTICLE}/`, prepared.url))).text();
      const related = [
        ...html.slice(html.indexOf("Related articles")).matchAll(/href="\/articles\/([^/]+)\//g),
      ].map((m) => m[1]);
      expect(related).toEqual(["wire-undated-plain"]);
    } finally {
      await prepared.close();
    }
    // The builder wrote the cache's files after its pages: the last edit is among them. Saved
    // again, the article is read by this build whatever the builder stamped.
    await saveAgainUnchanged(path.join(project, "content", "articles", `${ARTICLE}.md`));
    const next = await cli(["build", "--root", project, "--out", dist]);
    expect(next.code).toBe(0);
    expect(next.stderr + next.stdout).toMatch(/5 of 5 articles from the cache/);
    await rm(dir, { recursive: true, force: true });
  });
});

describe("a site served under a path prefix", () => {
  it("names the edited page by the path the browser has, prefix included", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "dev-prefix-"));
    const project = path.join(dir, "project");
    await cp(FIXTURE, project, { recursive: true });
    await appendFile(path.join(project, "content", "site.yaml"), "pathPrefix: /archive/\n");
    const prefixed = await startDevServer({
      root: project,
      outDir: path.join(dir, "dist"),
      port: 0,
      settleMs: 50,
      log: () => {},
    });
    try {
      expect(prefixed.first.ok).toBe(true);
      expect(new URL(prefixed.url).pathname).toBe("/archive/");
      const response = await fetch(new URL("/__news-archive/events", prefixed.url));
      const reader = response.body?.getReader();
      if (!reader) throw new Error("no event stream");
      const built = prefixed.nextBuild();
      await appendFile(
        path.join(project, "content", "articles", `${ARTICLE}.md`),
        "\nTalks went on under a prefix.\n",
      );
      const decoder = new TextDecoder();
      let received = "";
      while (!/event: reload\ndata: .*\n/.test(received)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`the stream ended: ${received}`);
        received += decoder.decode(value, { stream: true });
      }
      await reader.cancel();
      const data = /event: reload\ndata: (.*)\n/.exec(received)?.[1] ?? "null";
      expect(JSON.parse(data)).toEqual({ only: [`/archive/articles/${ARTICLE}/`] });
      expect((await built).ok).toBe(true);
      const page = await fetch(new URL(`articles/${ARTICLE}/`, prefixed.url));
      expect(await page.text()).toContain("Talks went on under a prefix.");
    } finally {
      await prefixed.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("after the edits", () => {
  it("has written the site a fresh build of the same content writes", async () => {
    const fresh = path.join(work, "fresh");
    const result = await cli(["build", "--root", root, "--out", fresh, "--no-cache"]);
    expect(result.code).toBe(0);
    const served = path.join(work, "dist");
    const [left, right] = [await listFiles(served), await listFiles(fresh)];
    expect(left).toEqual(right);
    const differing: string[] = [];
    for (const file of left) {
      const [a, b] = await Promise.all([
        readFile(path.join(served, file)),
        readFile(path.join(fresh, file)),
      ]);
      if (!a.equals(b)) differing.push(file);
    }
    expect(differing).toEqual([]);
  });
});

describe("a port in use", () => {
  it("is reported before anything is built", async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const address = taken.address();
    const port = typeof address === "object" && address ? address.port : 0;
    const outDir = path.join(work, "never-built");
    try {
      await expect(startDevServer({ root, outDir, port, log: () => {} })).rejects.toThrow(
        `port ${port} is in use; choose another with --port N`,
      );
      expect(existsSync(outDir)).toBe(false);
    } finally {
      taken.close();
    }
  });
});

describe("addReloadScript", () => {
  it("puts the script before the last </body>, or at the end without one", () => {
    const tag = '<script type="module" src="/__news-archive/live-reload.js"></script>';
    expect(addReloadScript("<p>&lt;/body&gt;</p></body></html>")).toBe(
      `<p>&lt;/body&gt;</p>${tag}</body></html>`,
    );
    expect(addReloadScript("<p>x</p>")).toBe(`<p>x</p>${tag}`);
  });
});
