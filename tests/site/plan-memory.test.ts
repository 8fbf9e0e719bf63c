import { describe, expect, it } from "vitest";
import { type Archive, buildArchive, collectGarbage } from "../../src/archive/index.ts";
import { siteConfigSchema } from "../../src/site/config.ts";
import { type PlanMemory, planOutputs, type RenderPlan } from "../../src/site/plan.ts";
import type { Project } from "../../src/site/project.ts";
import { projectFrom } from "../helpers/project.ts";
import { kb, prng, RandomCorpus } from "../helpers/random-corpus.ts";

/**
 * `serve`'s builder plans each build from the one before, hashing again only the pages of what
 * changed. Whatever the edits, that plan must be the plan made from scratch, file for file and in
 * the same order (search indexes pages in plan order). Random archives and random edits, seeded
 * so a failure repeats.
 */

function memoryOf(plan: RenderPlan): PlanMemory {
  if (!plan.memory) throw new Error("a plan asked for its memory comes without it");
  return plan.memory;
}

const entriesOf = (plan: RenderPlan) => ({
  outputs: [...plan.outputs],
  search: [...plan.search],
  exports: [...plan.exports],
});

function projectOf(corpus: RandomCorpus, previous: Archive | null): Project {
  const input = corpus.input();
  const archive = buildArchive(input, { relatedFrom: previous?.relatedMemory() ?? null });
  const versions = corpus.digests();
  return projectFrom({
    config: siteConfigSchema.parse({ pageSize: 5 }),
    kb,
    archive,
    articleDigests: versions,
    exportDigests: new Map(
      [...versions].map(([id, v]) => [id, { record: v, mentions: `${v}:mentions` }]),
    ),
    searchDigests: corpus.searchDigests(),
  });
}

describe("a plan made from the previous one", () => {
  it.each([1, 2, 3])("equals the plan made from scratch over random edits (seed %i)", (seed) => {
    const corpus = new RandomCorpus(prng(seed));
    for (let i = 0; i < 120; i++) corpus.add();
    let project = projectOf(corpus, null);
    let memory = memoryOf(planOutputs(project, project.articleDigests, "site", { previous: null }));
    for (let step = 0; step < 60; step++) {
      const edits = Array.from({ length: 1 + (step % 3) }, () => corpus.edit());
      project = projectOf(corpus, project.archive);
      const fresh = planOutputs(project, project.articleDigests, "site");
      const incremental = planOutputs(project, project.articleDigests, "site", {
        previous: memory,
      });
      expect(entriesOf(incremental), `step ${step}: ${edits.join(", ")}`).toEqual(entriesOf(fresh));
      memory = memoryOf(incremental);
    }
  });

  it("after one article's edit, hashes again the pages that show it and the indexes only", () => {
    const corpus = new RandomCorpus(prng(5));
    for (let i = 0; i < 60; i++) corpus.add();
    const before = projectOf(corpus, null);
    const memory = memoryOf(planOutputs(before, before.articleDigests, "site", { previous: null }));
    // Hashes the next plan can only have taken over, never computed.
    const marked: PlanMemory = {
      ...memory,
      outputs: new Map([...memory.outputs.keys()].map((file) => [file, "taken over"])),
    };
    const edited = [...corpus.drafts.values()].find((d) => d.analysis.entities.length > 0);
    if (!edited) throw new Error("no article names an entity");
    edited.version += 1;
    const after = projectOf(corpus, before.archive);
    const plan = planOutputs(after, after.articleDigests, "site", { previous: marked });
    const named = new Set(edited.analysis.entities.map((e) => e.id));
    const replanned = [...plan.outputs].filter(([, hash]) => hash !== "taken over");
    expect(replanned.map(([file]) => file)).toContain(`articles/${edited.id}/index.html`);
    const topics = new Set([...edited.analysis.topics.map((t) => t.id), ...edited.editorTopics]);
    const relatedTo = (archive: Archive, id: string) =>
      archive.related(id).some((r) => r.id === edited.id);
    for (const [file] of replanned) {
      const [, folder = "", id = ""] = /^([a-z]+)\/([^/]+)\//.exec(file) ?? [];
      if (folder === "entities") expect(named).toContain(id);
      if (folder === "topics") expect(topics).toContain(id);
      if (folder === "archive") expect(id).toBe(edited.date?.slice(0, 4) ?? "undated");
      if (folder === "articles" && id !== edited.id) {
        expect(relatedTo(before.archive, id) || relatedTo(after.archive, id)).toBe(true);
      }
    }
    // Unchanged inputs, unchanged hashes: the edited article's page aside, the same plan.
    const fresh = planOutputs(after, after.articleDigests, "site");
    const changedFiles = [...fresh.outputs].filter(
      ([file, hash]) => memory.outputs.get(file) !== hash,
    );
    expect(replanned.map(([file]) => file)).toEqual(
      expect.arrayContaining(changedFiles.map(([file]) => file)),
    );
  });

  it("takes over the export hashes of the articles that did not change", () => {
    const corpus = new RandomCorpus(prng(11));
    for (let i = 0; i < 60; i++) corpus.add();
    const before = projectOf(corpus, null);
    const memory = memoryOf(planOutputs(before, before.articleDigests, "site", { previous: null }));
    const edited = [...corpus.drafts.values()][0];
    if (!edited) throw new Error("no article");
    edited.version += 1;
    const after = projectOf(corpus, before.archive);
    const fresh = planOutputs(after, after.articleDigests, "site");
    const fromMemory = planOutputs(after, after.articleDigests, "site", { previous: memory });
    expect([...fromMemory.exports]).toEqual([...fresh.exports]);
    // Parts the plan can only have taken over: every export of articles differs from a fresh one.
    const marked: PlanMemory = {
      ...memory,
      articleExports: new Map(
        [...memory.articleExports.keys()].map((id) => [
          id,
          { record: "taken over", mentions: "taken over" },
        ]),
      ),
    };
    const fromMarked = planOutputs(after, after.articleDigests, "site", { previous: marked });
    for (const file of ["data/articles.json", "data/articles.csv", "data/mentions.csv"]) {
      expect(fromMarked.exports.get(file), file).not.toBe(fresh.exports.get(file));
    }
    expect(fromMarked.exports.get("data/entities.json")).toBe(
      fresh.exports.get("data/entities.json"),
    );
    const parts = memoryOf(fromMarked).articleExports;
    expect(parts.get(edited.id)?.record).not.toBe("taken over");
    expect([...parts.values()].filter((p) => p.record !== "taken over")).toHaveLength(1);
  });

  it("plans everything again for other site code, another knowledge base or a renamed entity", () => {
    const corpus = new RandomCorpus(prng(7));
    for (let i = 0; i < 40; i++) corpus.add();
    const project = projectOf(corpus, null);
    const before = planOutputs(project, project.articleDigests, "site", { previous: null });
    const otherSite = planOutputs(project, project.articleDigests, "other site", {
      previous: memoryOf(before),
    });
    expect([...otherSite.outputs.values()]).not.toContain([...before.outputs.values()][0]);
    expect(entriesOf(otherSite)).toEqual(
      entriesOf(planOutputs(project, project.articleDigests, "other site")),
    );
  });

  it("holds nothing of the archive it was made from, with its memory or without", async () => {
    // A build holds the plan until after Pagefind has run, and lets the archive go before that.
    const corpus = new RandomCorpus(prng(17));
    for (let i = 0; i < 40; i++) corpus.add();
    /**
     * A plan, and a weak reference to the archive it was made from. Made in a function of its
     * own: a register of this async test's frame, saved across its awaits, could otherwise still
     * hold the archive (which made the test fail now and then, under load).
     */
    const planned = (remember: boolean) => {
      const project = projectOf(corpus, null);
      const plan = planOutputs(
        project,
        project.articleDigests,
        "site",
        remember ? { previous: null } : undefined,
      );
      return { plan, archive: new WeakRef(project.archive) };
    };
    for (const remember of [false, true]) {
      const { plan, archive } = planned(remember);
      for (let round = 0; round < 2; round += 1) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        collectGarbage();
      }
      expect(archive.deref(), remember ? "with its memory" : "without").toBeUndefined();
      // Still in use, and still able to say what its exports are made from.
      expect(plan.exportInputs.get("/data/articles.json")?.digest("a0001")).toBeTruthy();
    }
  });
});
