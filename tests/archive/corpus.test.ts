import {
  appendFile,
  cp,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  utimes,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { deserialize, serialize } from "node:v8";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  analysisCacheDir,
  type EditTrace,
  pipelineDigest,
  readAnalysisCache,
  readEditTraces,
  readFileIndex,
  readKnowledgeSnapshot,
  recallKnowledgeBase,
  searchDigest,
  writeAnalysisCache,
  writeFileIndex,
} from "../../src/archive/cache.ts";
import {
  collectGarbage,
  firstSentence,
  type LoadedCorpus,
  loadCorpus,
  prepareArticle,
  unpackMentions,
} from "../../src/archive/index.ts";
import { runArticleTask } from "../../src/archive/work.ts";
import {
  analyzeCorpus,
  createAnalyzer,
  type KnowledgeBase,
  loadKnowledgeBase,
} from "../../src/knowledge/index.ts";
import { loadArticles } from "../../src/records/index.ts";

const REPO = path.resolve(import.meta.dirname, "..", "..");
let root: string;

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), "corpus-"));
  await cp(path.join(REPO, "content"), path.join(root, "content"), { recursive: true });
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const kbOf = () => loadKnowledgeBase(path.join(root, "content", "knowledge"), root);
const load = async (options: { workers?: number; cache?: boolean } = {}) =>
  loadCorpus({ root, kb: await kbOf(), workers: 0, ...options });
/** The parts of a load that pages are made from; stats differ by design. */
const results = (corpus: LoadedCorpus) => ({
  articles: corpus.articles,
  analyses: [...corpus.analyses],
  discovered: corpus.discovered,
});

describe("loading the corpus through the cache", () => {
  it("gives what parsing and analysing from scratch gives", async () => {
    const kb = await kbOf();
    const { articles } = await loadArticles(path.join(root, "content", "articles"), root);
    const direct = analyzeCorpus(articles, kb);
    const first = await load();
    const second = await load();
    for (const corpus of [first, second]) {
      expect(corpus.articles).toEqual(
        articles.map((a) => ({
          ...prepareArticle(a, direct.analyses.get(a.id) ?? { mentions: [] }),
          file: a.file,
        })),
      );
      expect([...corpus.analyses]).toEqual(
        [...direct.analyses].map(([id, { mentions: _, ...analysis }]) => [id, analysis]),
      );
      // The mentions travel with the article, packed, and unpack to what the analysis found.
      for (const article of corpus.articles) {
        expect([...unpackMentions(article.mentionTable)]).toEqual(
          direct.analyses.get(article.id)?.mentions,
        );
      }
      expect(corpus.discovered).toEqual(direct.discovered);
    }
    expect(first.stats).toMatchObject({ files: 5, cached: 0, analysed: 5 });
    expect(second.stats).toMatchObject({ files: 5, cached: 5, analysed: 0 });
  });

  it("parses and analyses again only the article whose bytes changed", async () => {
    await load();
    const file = path.join(root, "content", "articles", "002_6a68b51c29f6b919.md");
    await appendFile(file, "\nJens Stoltenberg visited Kabul.\n");
    const after = await load();
    expect(after.stats).toMatchObject({ cached: 4, analysed: 1 });
    const article = after.articles.find((a) => a.file.endsWith("002_6a68b51c29f6b919.md"));
    expect(new TextDecoder().decode(article?.body)).toContain(
      `<a href="news-archive-entity:jens-stoltenberg" class="mention">Jens Stoltenberg</a> visited <a href="news-archive-entity:kabul" class="mention">Kabul</a>.</p>`,
    );
    const mentions = article ? [...unpackMentions(article.mentionTable)] : [];
    expect(mentions.some((m) => m.surface === "Jens Stoltenberg")).toBe(true);
    expect(results(after)).toEqual(results(await load({ cache: false })));
  });

  it("analyses again only the articles a knowledge-base edit can reach", async () => {
    await load();
    const cacheDir = analysisCacheDir(root);
    const tracesBefore = await readEditTraces(cacheDir);
    // "Thanksgiving" is in the text of one of the five articles; the knowledge base lacks it.
    await appendFile(
      path.join(root, "content", "knowledge", "entities.yaml"),
      "  - id: zz-test-holiday\n    name: Zz Test Holiday\n    kind: place\n    aliases: [Thanksgiving]\n",
    );
    const after = await load();
    expect(after.stats).toMatchObject({ cached: 4, unaffected: 4, analysed: 1 });
    // The article reached is not tagged again: its sentences' proposals come from the cache.
    expect(after.stats.recalled).toBeGreaterThan(0);
    // Every entry keeps a trace for the next edit, with the sentences tagged before.
    const { entries } = await readAnalysisCache(cacheDir, await pipelineDigest());
    const tracesAfter = await readEditTraces(cacheDir);
    expect([...tracesAfter.keys()].sort()).toEqual([...entries.keys()].sort());
    const memoOf = (trace: EditTrace | undefined) => trace && deserialize(trace.sentenceMemo);
    for (const [key, trace] of tracesBefore)
      expect(memoOf(tracesAfter.get(key))).toEqual(memoOf(trace));
    const fresh = await load({ cache: false });
    expect(results(after)).toEqual(results(fresh));
    // Kept analyses keep their digests, which must be what analysing again gives.
    expect(after.digests).toEqual(fresh.digests);
    expect(after.exportDigests).toEqual(fresh.exportDigests);
    expect(
      after.articles.filter((a) => a.mentionTable.entityIds.includes("zz-test-holiday")).length,
    ).toBe(1);
    // The kept entries now carry the new knowledge base: the next build takes all five as they are.
    expect((await load()).stats).toMatchObject({ cached: 5, unaffected: 0, analysed: 0 });
  });

  it("analyses again an article whose kept text is damaged, rather than failing", async () => {
    await load();
    const cacheDir = path.join(root, ".cache", "news-archive", "articles");
    const traces = await readEditTraces(cacheDir);
    const [damaged] = [...traces.keys()];
    if (!damaged) throw new Error("no traces kept");
    const file = path.join(cacheDir, `${damaged[0]}.traces.v8`);
    const shard = [...traces].filter(([key]) => key[0] === damaged[0]);
    const garbage = new TextEncoder().encode("not deflated");
    await writeFile(
      file,
      serialize(
        new Map(
          shard.map(([key, trace]) => [
            key,
            key === damaged ? { matchingText: garbage, sentenceMemo: garbage } : trace,
          ]),
        ),
      ),
    );
    await appendFile(
      path.join(root, "content", "knowledge", "entities.yaml"),
      "  - id: zz-test-holiday\n    name: Zz Test Holiday\n    kind: place\n    aliases: [Thanksgiving]\n",
    );
    const after = await load();
    // The article with the damaged text and the one the edit reaches (unless they are one).
    expect(after.stats.analysed).toBeGreaterThanOrEqual(1);
    expect(after.stats.analysed).toBeLessThanOrEqual(2);
    expect(after.stats.unaffected).toBe(5 - after.stats.analysed);
    expect(results(after)).toEqual(results(await load({ cache: false })));
  });

  it("analyses every article again when the earlier knowledge base was not kept", async () => {
    await load();
    const cacheDir = path.join(root, ".cache", "news-archive", "articles");
    const kept = (await readdir(cacheDir)).filter((f) => f.startsWith("knowledge-"));
    expect(kept).toHaveLength(1);
    await rm(path.join(cacheDir, kept[0] as string));
    await appendFile(
      path.join(root, "content", "knowledge", "entities.yaml"),
      '  - id: zz-test-person\n    name: "Mohammad Hanif Atmar"\n    kind: person\n',
    );
    const after = await load();
    expect(after.stats).toMatchObject({ cached: 0, analysed: 5 });
    expect(results(after)).toEqual(results(await load({ cache: false })));
  });

  it("gives the same results in worker threads as in the main thread", async () => {
    const threaded = await load({ workers: 2, cache: false });
    expect(threaded.stats.workers).toBe(2);
    const main = await load({ cache: false });
    expect(results(threaded)).toEqual(results(main));
    // Digests too: equal results must not rewrite pages or exports, wherever they were made.
    expect(threaded.digests).toEqual(main.digests);
    expect(threaded.exportDigests).toEqual(main.exportDigests);
  });

  it("treats an unreadable cache as empty", async () => {
    await load();
    const cacheDir = path.join(root, ".cache", "news-archive", "articles");
    const files = await readdir(cacheDir);
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) await writeFile(path.join(cacheDir, file), "not a cache");
    const after = await load();
    expect(after.stats).toMatchObject({ cached: 0, analysed: 5 });
    expect(JSON.parse(await readFile(path.join(cacheDir, "files.json"), "utf8"))).toBeTypeOf(
      "object",
    );
    for (const file of files.filter((f) => f.endsWith(".v8")))
      expect((await readFile(path.join(cacheDir, file))).length).toBeGreaterThan(100);
  });

  it("rewrites only the cache files that hold what changed", async () => {
    await load();
    const cacheDir = path.join(root, ".cache", "news-archive", "articles");
    const before = new Map<string, number>();
    // The analyses' files; files.json, the stamps of content files, changes with them.
    for (const file of (await readdir(cacheDir)).filter((f) => f.endsWith(".v8")))
      before.set(file, (await stat(path.join(cacheDir, file))).mtimeMs);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await appendFile(
      path.join(root, "content", "articles", "002_6a68b51c29f6b919.md"),
      "\nOne more line.\n",
    );
    await load();
    const rewritten: string[] = [];
    for (const [file, mtime] of before)
      if ((await stat(path.join(cacheDir, file)).catch(() => null))?.mtimeMs !== mtime)
        rewritten.push(file);
    // The old version's file loses it and the new version's file gains it: one or two shards,
    // each with the file of its edit traces; the knowledge base's copy stays as it was.
    const shards = rewritten.filter((f) => /^[0-9a-f]\.v8$/.test(f));
    expect(shards.length).toBeGreaterThan(0);
    expect(shards.length).toBeLessThanOrEqual(2);
    expect(rewritten.sort()).toEqual(
      [...shards, ...shards.map((f) => f.replace(".v8", ".traces.v8"))].sort(),
    );
    expect(shards.length).toBeLessThan(
      [...before.keys()].filter((f) => /^[0-9a-f]\.v8$/.test(f)).length,
    );
  });

  it("reads only files whose size, times or inode changed since they were hashed", async () => {
    const dir = path.join(root, "content", "articles");
    const indexFile = path.join(root, ".cache", "news-archive", "articles", "files.json");
    const stampsOf = async () =>
      JSON.parse(await readFile(indexFile, "utf8")) as Record<string, { hash: string }>;
    // Files changed in the last two seconds are not stamped: they could change again unseen.
    // Dated a minute ahead, they count as just changed however long the load takes.
    const dateAll = async (date: Date) => {
      for (const name of await readdir(dir)) await utimes(path.join(dir, name), date, date);
    };
    await dateAll(new Date(Date.now() + 60_000));
    await load();
    expect(Object.keys(await stampsOf())).toEqual([]);
    // Dated an hour back, they are stamped once their change time (now) is two seconds old.
    await dateAll(new Date(Date.now() - 3_600_000));
    await new Promise((resolve) => setTimeout(resolve, 2100));
    await load();
    const stamps = await stampsOf();
    expect(Object.keys(stamps).sort()).toEqual(
      (await readdir(dir)).map((f) => `content/articles/${f}`).sort(),
    );
    const [first, second] = Object.keys(stamps).sort() as [string, string];
    const secondId = (await load()).articles.find((a) => a.file === second)?.id;

    // A matching stamp is trusted: with the second file's hash under the first file's name, the
    // first file is not read, and the second file's article appears in its place.
    await writeFile(
      indexFile,
      JSON.stringify({ ...stamps, [first]: { ...stamps[first], hash: stamps[second]?.hash } }),
    );
    const trusted = await load();
    expect(trusted.stats).toMatchObject({ cached: 5, analysed: 0 });
    expect(trusted.articles.find((a) => a.file === first)?.id).toBe(secondId);

    // Same size, same modification time, new bytes: the change time gives it away.
    const file = path.join(root, first);
    const text = await readFile(file, "utf8");
    const { atime, mtime } = await stat(file);
    await writeFile(file, text.replace("Kabul", "KABUL"));
    await utimes(file, atime, mtime);
    const edited = await load();
    expect(edited.stats).toMatchObject({ cached: 4, analysed: 1 });
    expect(results(edited)).toEqual(results(await load({ cache: false })));
  });

  it("stamps a file only once its modification and change times are two seconds old", async () => {
    const file = path.join(root, "content", "articles", "002_6a68b51c29f6b919.md");
    const info = await stat(file);
    const changed = Math.max(info.mtimeMs, info.ctimeMs);
    const dir = path.join(root, "stamps");
    const stampedAt = async (now: number) => {
      await writeFileIndex(dir, null, [["a.md", info, "hash"]], now);
      return [...((await readFileIndex(dir)) ?? new Map()).keys()];
    };
    expect(await stampedAt(changed + 1_900)).toEqual([]);
    expect(await stampedAt(changed + 2_100)).toEqual(["a.md"]);
  });

  it("reports a duplicate id and a broken file even when the rest is cached", async () => {
    await load();
    const dir = path.join(root, "content", "articles");
    await cp(path.join(dir, "002_6a68b51c29f6b919.md"), path.join(dir, "zz-copy.md"));
    await writeFile(path.join(dir, "zz-broken.md"), "---\ntitle: [unclosed\n---\nText.\n");
    const after = await load();
    expect(after.problems.map((p) => `${p.file} ${p.field ?? ""}`)).toEqual([
      "content/articles/zz-broken.md ",
      "content/articles/zz-copy.md id",
    ]);
  });
});

describe("the edit traces beside the cache", () => {
  it("keeps each kept entry's trace when its shard is written again for another entry", async () => {
    const dir = path.join(root, "cache");
    const { entries } = await (async () => {
      await load();
      return readAnalysisCache(analysisCacheDir(root), await pipelineDigest());
    })();
    const [first, second] = [...entries.entries()];
    if (!first || !second) throw new Error("the fixture has fewer than two articles");
    // Two keys of one shard (the first hex digit), as if two articles hashed there.
    const keyA = `a${first[0].slice(1)}`;
    const keyB = `a${second[0].slice(1)}`;
    const cache = (keys: string[]) => ({
      pipeline: "p",
      entries: new Map(keys.map((key, i) => [key, i === 0 ? first[1] : second[1]])),
    });
    const trace = (text: string) => ({
      matchingText: new TextEncoder().encode(text),
      sentenceMemo: new TextEncoder().encode(`memo of ${text}`),
    });
    await writeAnalysisCache(
      dir,
      cache([keyA, keyB]),
      [keyA, keyB],
      new Map([
        [keyA, trace("text of A")],
        [keyB, trace("text of B")],
      ]),
    );
    // B is analysed again; A's trace comes from the shard's previous file.
    await writeAnalysisCache(dir, cache([keyA, keyB]), [keyB], new Map([[keyB, trace("B again")]]));
    const traces = await readEditTraces(dir);
    expect(traces.get(keyA)).toEqual(trace("text of A"));
    expect(traces.get(keyB)).toEqual(trace("B again"));
  });
});

describe("the knowledge base kept beside the cache", () => {
  const snapshotFile = async (dir: string) => {
    const names = (await readdir(dir)).filter((f) => /^knowledge-.*\.v8$/.test(f));
    expect(names).toHaveLength(1);
    return path.join(dir, names[0] as string);
  };

  it("is what a build loads instead of parsing the files while they are unchanged", async () => {
    const kb = await kbOf();
    await loadCorpus({ root, kb, workers: 0 });
    // Another root with the same files and cache, so this process's memory of the last load
    // (same folder, same texts) cannot answer instead.
    const other = await mkdtemp(path.join(tmpdir(), "corpus-copy-"));
    try {
      await cp(root, other, { recursive: true });
      const knowledgeDir = path.join(other, "content", "knowledge");
      const recall = (digest: string) => recallKnowledgeBase(other, digest);
      expect(await loadKnowledgeBase(knowledgeDir, other, { recall })).toEqual(kb);

      // A marked copy shows that the snapshot, not the YAML, is what was loaded.
      const file = await snapshotFile(analysisCacheDir(other));
      const kept = deserialize(await readFile(file)) as KnowledgeBase;
      const first = kept.entities[0] as KnowledgeBase["entities"][number];
      kept.entities[0] = { ...first, name: "Marked In The Snapshot" };
      await writeFile(file, serialize(kept));
      const third = await mkdtemp(path.join(tmpdir(), "corpus-copy-"));
      try {
        await cp(other, third, { recursive: true });
        const recalled = await loadKnowledgeBase(path.join(third, "content", "knowledge"), third, {
          recall: (digest) => recallKnowledgeBase(third, digest),
        });
        expect(recalled.entities[0]?.name).toBe("Marked In The Snapshot");
        // Without `recall` (--no-cache), the files are parsed.
        const parsed = await loadKnowledgeBase(path.join(third, "content", "knowledge"), third);
        expect(parsed.entities[0]?.name).toBe(first.name);
      } finally {
        await rm(third, { recursive: true, force: true });
      }

      // Edited files have another digest: parsed again, the edit and not the mark shows.
      await appendFile(
        path.join(knowledgeDir, "entities.yaml"),
        '  - id: zz-test-person\n    name: "Mohammad Hanif Atmar"\n    kind: person\n',
      );
      const edited = await loadKnowledgeBase(knowledgeDir, other, { recall });
      expect(edited.entities[0]?.name).toBe(first.name);
      expect(edited.entities.at(-1)?.id).toBe("zz-test-person");
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it("is not taken by other code: its file names the pipeline that validated it", async () => {
    const kb = await kbOf();
    await loadCorpus({ root, kb, workers: 0 });
    const dir = analysisCacheDir(root);
    const pipeline = await pipelineDigest();
    expect(await readKnowledgeSnapshot(dir, kb.digest, pipeline)).toEqual(kb);
    expect(await readKnowledgeSnapshot(dir, kb.digest, "0".repeat(32))).toBeNull();
    // A copy under the other pipeline's name, as if that code had written it, is still refused.
    const file = await snapshotFile(dir);
    await cp(file, path.join(dir, `knowledge-${"0".repeat(16)}-${kb.digest}.v8`));
    expect(await readKnowledgeSnapshot(dir, kb.digest, "0".repeat(32))).toBeNull();
  });
});

describe("the hash of what search indexes of an article", () => {
  it("follows the page's indexed text and ignores what only the facts beside it show", async () => {
    const corpus = await load();
    const { file: _, ...article } = corpus.articles[0] as (typeof corpus.articles)[number];
    const analysis = corpus.analyses.get(article.id);
    if (!analysis) throw new Error("no analysis");
    const digestWith = (changes: Partial<typeof analysis>, articleChanges = {}) =>
      searchDigest(
        { ...article, ...articleChanges },
        { analysis: { ...analysis, ...changes }, discovery: { proposed: [], mentions: [] } },
      );
    const base = digestWith({});
    // Shown in the indexed part: dates and their estimate, the title, the body, what it names.
    expect(
      digestWith({ estimatedPeriod: { from: "2001-01-01", to: "2002-01-01", basis: [] } }),
    ).not.toBe(base);
    expect(digestWith({ dateFlag: "The header date contradicts the text." })).not.toBe(base);
    expect(digestWith({}, { title: "Another title" })).not.toBe(base);
    expect(digestWith({}, { body: new TextEncoder().encode("<p>Other</p>") })).not.toBe(base);
    expect(digestWith({ entities: analysis.entities.slice(1) })).not.toBe(base);
    expect(analysis.topics.length).toBeGreaterThan(0);
    expect(digestWith({ topics: [] })).not.toBe(base);
    // Beside it only: mention counts, detected or not, topic scores; the mention table.
    expect(
      digestWith({
        entities: analysis.entities.map((e) => ({
          ...e,
          mentions: e.mentions + 1,
          discovered: !e.discovered,
        })),
        topics: analysis.topics.map((t) => ({ ...t, score: t.score + 1, evidence: [] })),
      }),
    ).toBe(base);
    expect(
      digestWith({}, { mentionTable: { entityIds: [], cells: new Int32Array(), surfaces: "" } }),
    ).toBe(base);
  });
});

/** Every typed array inside a value, however deep. */
function typedArraysIn(value: unknown, found: ArrayBufferView[] = []): ArrayBufferView[] {
  if (ArrayBuffer.isView(value)) found.push(value);
  else if (value instanceof Map) for (const item of value.values()) typedArraysIn(item, found);
  else if (typeof value === "object" && value !== null)
    for (const item of Object.values(value)) typedArraysIn(item, found);
  return found;
}

describe("typed arrays, which must own exactly their bytes, not be views of larger buffers", () => {
  it("in an analysed article as it leaves its worker", async () => {
    // A view is copied to the main thread (and into the cache) with its whole buffer: zlib's
    // output chunk is 16 KB for a text of 3.
    const file = path.join(root, "content", "articles", "002_6a68b51c29f6b919.md");
    const outcome = runArticleTask(
      { rel: "content/articles/002_6a68b51c29f6b919.md", bytes: await readFile(file) },
      createAnalyzer(await kbOf()),
    );
    if (!outcome.ok) throw new Error("the article did not parse");
    const arrays = typedArraysIn(outcome);
    expect(arrays.length).toBeGreaterThanOrEqual(4);
    for (const bytes of arrays) {
      expect(bytes.byteLength).toBeGreaterThan(0);
      expect(bytes.buffer.byteLength).toBe(bytes.byteLength);
    }
  });

  it("in an article whose shard was read while most of the cache was let go", async () => {
    // Entries read together share their file's byte region (see the next block); a load that
    // drops a fifth of them copies the rest out, so the region can go.
    await load();
    await appendFile(
      path.join(root, "content", "articles", "002_6a68b51c29f6b919.md"),
      "\nJens Stoltenberg visited Kabul.\n",
    );
    const after = await load();
    expect(after.stats).toMatchObject({ cached: 4, analysed: 1 });
    const arrays = typedArraysIn(after.articles);
    expect(arrays.length).toBeGreaterThanOrEqual(3 * after.articles.length);
    for (const bytes of arrays) expect(bytes.buffer.byteLength).toBe(bytes.byteLength);
  });
});

describe("the cache's bytes, read apart from the rest of its entries", () => {
  it("are views into a buffer that holds their bytes and nothing else", async () => {
    // Deserializing makes each typed array a view into the file it was read from: one kept
    // article would keep its whole file in memory, serialized entries included.
    await load();
    const { entries } = await readAnalysisCache(analysisCacheDir(root), await pipelineDigest());
    const arrays = typedArraysIn(entries);
    // Each article's body, first sentences and mention cells.
    expect(arrays.length).toBe(3 * entries.size);
    const viewed = new Map<ArrayBufferLike, number>();
    for (const bytes of arrays) {
      viewed.set(bytes.buffer, (viewed.get(bytes.buffer) ?? 0) + bytes.byteLength);
    }
    for (const [buffer, bytes] of viewed) expect(buffer.byteLength).toBe(bytes);
    // Fewer buffers than arrays: entries of a shard share one.
    expect(viewed.size).toBeLessThan(arrays.length);
  });

  it("are what was written: a load from the cache gives each article's own body, sentences and mentions", async () => {
    const first = await load();
    const second = await load();
    expect(second.stats).toMatchObject({ cached: 5, analysed: 0 });
    expect(second.articles).toEqual(first.articles);
    for (const article of second.articles) {
      const again = first.articles.find((a) => a.id === article.id);
      expect(new TextDecoder().decode(article.body)).toBe(new TextDecoder().decode(again?.body));
      expect(new TextDecoder().decode(article.sentences)).toBe(
        new TextDecoder().decode(again?.sentences),
      );
      for (const id of article.mentionTable.entityIds) {
        expect(firstSentence(article, id)).not.toBe("");
      }
      expect([...article.mentionTable.cells]).toEqual([...(again?.mentionTable.cells ?? [])]);
    }
  });

  it("are not shared when nothing was let go, and a cut-short file is read as no cache", async () => {
    await load();
    const kept = await load();
    expect(new Set(typedArraysIn(kept.articles).map((b) => b.buffer)).size).toBeLessThan(
      3 * kept.articles.length,
    );
    const cacheDir = analysisCacheDir(root);
    for (const file of (await readdir(cacheDir)).filter((f) => /^[0-9a-f]\.v8$/.test(f))) {
      const bytes = await readFile(path.join(cacheDir, file));
      await writeFile(path.join(cacheDir, file), bytes.subarray(0, bytes.length - 1));
    }
    const after = await load();
    expect(after.stats).toMatchObject({ cached: 0, analysed: 5 });
    expect(results(after)).toEqual(results(kept));
  });
});

describe("a load whose cache writes are left to the caller", () => {
  it("writes them when asked, once, and holds nothing of the load once they are written", async () => {
    // The load is made and let go in a function of its own: a register of this async test's
    // frame, saved across its awaits, could otherwise still hold it.
    const deferredLoad = async () => {
      const corpus = await loadCorpus({
        root,
        kb: await kbOf(),
        workers: 0,
        deferCacheWrites: true,
      });
      const analyses = [...corpus.analyses.values()].map((analysis) => new WeakRef(analysis));
      return { saveCache: corpus.saveCache, analyses };
    };
    const { saveCache, analyses } = await deferredLoad();
    const cacheDir = analysisCacheDir(root);
    expect((await readdir(cacheDir).catch(() => [])).length).toBe(0);
    expect(analyses.length).toBeGreaterThan(0);
    await saveCache();
    const written = await readdir(cacheDir);
    expect(written.length).toBeGreaterThan(0);
    await saveCache();
    expect(await readdir(cacheDir)).toEqual(written);
    // What the writer still holds: a build keeps it until its end, through the search stage.
    for (let round = 0; round < 2; round += 1) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      collectGarbage();
    }
    expect(analyses.filter((ref) => ref.deref() !== undefined)).toEqual([]);
    // The next load finds every article in the cache.
    expect((await load()).stats.analysed).toBe(0);
  });
});
