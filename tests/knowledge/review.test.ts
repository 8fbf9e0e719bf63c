import { readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { reviewCandidates, sentenceAround } from "../../src/archive/index.ts";
import { analyzeCorpus, loadKnowledgeBase } from "../../src/knowledge/index.ts";
import { loadArticles } from "../../src/records/index.ts";
import { cli, copyOfContent } from "../helpers/site.ts";

/** `news-archive review` on a copy of the repository's content with one article naming new people. */

let root: string;
const NEW_ARTICLE = `---
id: new-people
title: Evacuation continues
date: 2021-08-27
---
State Department deputy spokeswoman Jalina Porter told reporters on Friday that flights continued. Porter said more than 100,000 people had left. Afghan Finance Minister Khalid Payenda resigned.
`;

beforeEach(async () => {
  root = await copyOfContent();
  await writeFile(path.join(root, "content", "articles", "new-people.md"), NEW_ARTICLE);
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** The command as an editor runs it, from the project's folder. */
const inRoot = (...args: string[]) => cli(["review", ...args], {}, root);

describe("news-archive review", () => {
  it("lists discovered entities with counts and an example sentence", async () => {
    const { code, stdout } = await inRoot();
    expect(code).toBe(0);
    expect(stdout).toContain("jalina-porter  Jalina Porter (person) — 1 article(s), 2 mention(s)");
    expect(stdout).toContain(
      "State Department deputy spokeswoman Jalina Porter told reporters on Friday that flights continued. (new-people)",
    );
    expect(stdout).toContain("khalid-payenda  Khalid Payenda (person)");
  });

  it("promotes into entities.yaml keeping the editor's comments, and the entity is then curated", async () => {
    const file = path.join(root, "content", "knowledge", "entities.yaml");
    const before = await readFile(file, "utf8");
    expect((await inRoot("promote", "jalina-porter")).code).toBe(0);
    const after = await readFile(file, "utf8");
    expect(after.startsWith(before.trimEnd().split("\n").slice(0, 14).join("\n"))).toBe(true);
    expect(after).toContain("  - id: jalina-porter\n    name: Jalina Porter\n    kind: person\n");
    const { stdout } = await inRoot();
    expect(stdout).not.toContain("jalina-porter");
  });

  it("merges a name into an existing entity as an alias", async () => {
    expect((await inRoot("merge", "khalid-payenda", "--into", "ashraf-ghani")).code).toBe(0);
    const entities = await readFile(
      path.join(root, "content", "knowledge", "entities.yaml"),
      "utf8",
    );
    expect(entities).toMatch(
      /id: ashraf-ghani[\s\S]*?aliases:\n(?: {6}- .*\n)*? {6}- Khalid Payenda\n/,
    );
    const bad = await inRoot("merge", "jalina-porter", "--into", "nobody");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('no entity "nobody"');
  });

  it("rejects a name so discovery never proposes it again", async () => {
    expect((await inRoot("reject", "jalina-porter", "--reason", "not relevant")).code).toBe(0);
    const rejected = await readFile(
      path.join(root, "content", "knowledge", "rejected.yaml"),
      "utf8",
    );
    expect(rejected).toContain("# Names that automatic discovery must never propose again");
    expect(rejected).toContain("  - name: Jalina Porter\n    reason: not relevant\n");
    expect((await inRoot()).stdout).not.toContain("Jalina Porter");
  });
});

describe("the review's candidates", () => {
  it("are what analysing every article without the cache finds, whether the cache is filled or read", async () => {
    // A second article naming her: the example is the first article's, in file order.
    await writeFile(
      path.join(root, "content", "articles", "more-people.md"),
      "---\nid: more-people\ntitle: Flights resume\ndate: 2021-08-30\n---\nThe last flight left at midnight, Jalina Porter told reporters.\n",
    );
    const kb = await loadKnowledgeBase(path.join(root, "content", "knowledge"), root);
    const { articles } = await loadArticles(path.join(root, "content", "articles"), root);
    const { analyses, discovered } = analyzeCorpus(articles, kb);
    const expected = discovered.map((d) => {
      const naming = articles.flatMap((article) => {
        const found = analyses.get(article.id)?.mentions.filter((m) => m.entityId === d.id);
        return found?.[0] ? [{ article, found }] : [];
      });
      const first = naming[0];
      return {
        ...d,
        articles: naming.length,
        mentions: naming.reduce((sum, n) => sum + n.found.length, 0),
        example: first
          ? `${sentenceAround(first.article.text, first.found[0]?.start ?? 0)} (${first.article.id})`
          : "",
      };
    });
    expect(expected.find((c) => c.id === "jalina-porter")?.articles).toBe(2);
    const byId = (list: { id: string }[]) => [...list].sort((a, b) => a.id.localeCompare(b.id));
    // Twice through the cache: filled by the first, read by the second.
    expect(byId(await reviewCandidates(root))).toEqual(byId(expected));
    expect(byId(await reviewCandidates(root))).toEqual(byId(expected));
  });
});
