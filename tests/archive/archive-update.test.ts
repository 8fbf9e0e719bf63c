import { describe, expect, it } from "vitest";
import { type Archive, buildArchive, firstSentence } from "../../src/archive/index.ts";
import { kb, prng, RandomCorpus } from "../helpers/random-corpus.ts";

/**
 * `serve`'s builder hands each archive the one before: when only articles' own text changed, the
 * previous one is updated instead of made again. Whatever the edits, the result must be the
 * archive made from scratch: the same articles in the same order, entities with the same
 * occurrences (first sentences included), counts and co-mentions, topics, years and related
 * articles.
 */

function contentOf(archive: Archive) {
  return {
    articles: archive.articles,
    byId: [...archive.articleById],
    entities: archive.entities,
    entityById: [...archive.entityById],
    topics: archive.topics,
    years: archive.years,
    undated: archive.undatedIds,
    related: archive.articles.map((a) => [a.id, archive.related(a.id).map((r) => r.id)]),
    relatedOfThree: archive.articles.map((a) => [a.id, archive.related(a.id, 3).map((r) => r.id)]),
    relatedMemory: archive.relatedMemory(),
  };
}

describe("an archive made from the previous one", () => {
  it.each([1, 2, 3])("equals the archive made from scratch over random edits (seed %i)", (seed) => {
    const corpus = new RandomCorpus(prng(seed));
    for (let i = 0; i < 120; i++) corpus.add();
    let previous = buildArchive(corpus.input());
    for (let step = 0; step < 90; step++) {
      // One step in three edits text only, the case the update is for; one makes a single edit
      // of any kind, which the update must take or leave by itself.
      const textOnly = step % 3 === 0;
      const edits = textOnly
        ? [corpus.editText(), corpus.editText()]
        : Array.from({ length: step % 3 === 1 ? 1 : 3 }, () => corpus.edit());
      const input = corpus.input();
      const updated = buildArchive(input, { previous });
      expect(contentOf(updated), `step ${step}: ${edits.join(", ")}`).toEqual(
        contentOf(buildArchive(input)),
      );
      if (textOnly) {
        // Taken over, not made again: the lists of articles are the previous archive's own.
        expect(updated.topics).toBe(previous.topics);
        expect(updated.years).toBe(previous.years);
      }
      previous = updated;
    }
  });

  it("shows the edited article's first sentence naming each entity, and leaves the previous archive as it was", () => {
    const corpus = new RandomCorpus(prng(9));
    for (let i = 0; i < 30; i++) corpus.add();
    const previous = buildArchive(corpus.input());
    const before = JSON.stringify(contentOf(previous));
    const [edited] = corpus.editText().split(" ").slice(-1);
    const updated = buildArchive(corpus.input(), { previous });
    const article = updated.articleById.get(edited ?? "");
    const named = article?.analysis.entities ?? [];
    expect(named.length).toBeGreaterThan(0);
    for (const { id } of named) {
      const occurrence = updated.entityById
        .get(id)
        ?.occurrences.find((o) => o.articleId === edited);
      expect(occurrence).toBeDefined();
      expect(article && firstSentence(article, id)).toMatch(/version 1\.$/);
    }
    expect(JSON.stringify(contentOf(previous))).toBe(before);
  });

  it("updates, rather than indexes afresh, an edit naming other entities on the same date", () => {
    const corpus = new RandomCorpus(prng(13));
    for (let i = 0; i < 60; i++) corpus.add();
    const previous = buildArchive(corpus.input());
    const draft = [...corpus.drafts.values()].find((d) => d.analysis.entities.length > 0);
    if (!draft) throw new Error("no article names an entity");
    const [first, ...rest] = draft.analysis.entities;
    const unnamed = kb.entities.find((e) => !previous.entityById.has(e.id))?.id;
    if (!unnamed) throw new Error("every entity is named");
    // One entity dropped, one no article named before, and another topic.
    draft.analysis = {
      ...draft.analysis,
      entities: [...rest, { id: unnamed, mentions: 2, surfaceForms: [unnamed], discovered: false }],
      topics: [{ id: "t0", score: 3, evidence: [] }],
    };
    draft.version += 1;
    draft.prepared = undefined;
    const input = corpus.input();
    const before = JSON.stringify(contentOf(previous));
    const updated = buildArchive(input, { previous });
    expect(contentOf(updated)).toEqual(contentOf(buildArchive(input)));
    // Taken over: the articles' order and the years are the previous archive's own.
    expect(updated.years).toBe(previous.years);
    expect(updated.entityById.get(unnamed)?.occurrences.map((o) => o.articleId)).toContain(
      draft.id,
    );
    if (first) {
      expect(
        updated.entityById.get(first.id)?.occurrences.some((o) => o.articleId === draft.id) ??
          false,
      ).toBe(false);
    }
    expect(JSON.stringify(contentOf(previous))).toBe(before);
  });
});
