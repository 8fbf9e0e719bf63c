import { describe, expect, it } from "vitest";
import {
  type Archive,
  buildArchive,
  type PreparedArticle,
  type StoredAnalysis,
} from "../../src/archive/index.ts";
import { packMentions } from "../../src/archive/work.ts";
import type { DiscoveredEntity, KnowledgeBase } from "../../src/knowledge/index.ts";
import type { EntityKind } from "../../src/records/index.ts";
import { siteConfigSchema } from "../../src/site/config.ts";
import { type PlanMemory, planOutputs, type RenderPlan } from "../../src/site/plan.ts";
import type { Project } from "../../src/site/project.ts";
import { recordOf } from "../helpers/records.ts";

/**
 * `serve`'s builder plans each build from the one before, hashing again only the pages of what
 * changed. Whatever the edits, that plan must be the plan made from scratch, file for file and in
 * the same order (search indexes pages in plan order). Random archives and random edits, seeded
 * so a failure repeats.
 */

function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KINDS: EntityKind[] = ["person", "organization", "place"];
const kb: KnowledgeBase = {
  digest: "kb",
  rejected: [],
  entities: Array.from({ length: 24 }, (_, i) => ({
    id: `e${i}`,
    name: `Entity ${String.fromCharCode(65 + i)}`,
    kind: KINDS[i % 3] as EntityKind,
    description: `Entity ${i}.`,
    aliases: [],
    misspellings: [],
    descriptions: [],
    roles: [],
  })),
  topics: ["t0", "t1", "t2", "t3"].map((id) => ({
    id,
    label: id.toUpperCase(),
    definition: `Topic ${id}.`,
    threshold: 1,
    rules: { phrases: [], entities: [] },
  })),
};

interface Draft {
  id: string;
  version: number;
  /** What search indexes of the article; it changes with the version, and alone here. */
  searchVersion: number;
  date: string | null;
  title: string;
  editorTopics: string[];
  analysis: StoredAnalysis;
}

/** A corpus as the builder holds it: an unchanged article keeps its analysis, the same object. */
class Corpus {
  drafts = new Map<string, Draft>();
  discovered: DiscoveredEntity[] = [
    { id: "d0", name: "Detected Zero", kind: "person" },
    { id: "d1", name: "Detected One", kind: "place" },
  ];
  private next = 0;
  constructor(private readonly pick: () => number) {}

  private int(limit: number): number {
    return Math.floor(this.pick() * limit);
  }

  private date(): string | null {
    if (this.int(12) === 0) return null;
    const year = 2018 + this.int(5);
    return `${year}-${String(1 + this.int(12)).padStart(2, "0")}-${String(1 + this.int(28)).padStart(2, "0")}`;
  }

  private analysis(): StoredAnalysis {
    const ids = new Set<string>();
    const count = this.int(6);
    for (let i = 0; i < count; i++) {
      // A few entities are in most articles, as NATO is; detected ones now and then.
      const id =
        this.int(10) === 0 ? `d${this.int(2)}` : `e${Math.min(this.int(24), this.int(24))}`;
      ids.add(id);
    }
    return {
      entities: [...ids].map((id) => ({
        id,
        mentions: 1 + this.int(3),
        surfaceForms: [id],
        discovered: id.startsWith("d"),
      })),
      discovered: [],
      topics: [...new Set(Array.from({ length: this.int(3) }, () => `t${this.int(4)}`))].map(
        (id) => ({ id, score: 1, evidence: [] }),
      ),
      dateFlag: null,
      estimatedPeriod: null,
    };
  }

  add(): void {
    const id = `a${String(this.next++).padStart(4, "0")}`;
    this.drafts.set(id, {
      id,
      version: 0,
      searchVersion: 0,
      date: this.date(),
      title: id,
      editorTopics: this.int(8) === 0 ? ["t3"] : [],
      analysis: this.analysis(),
    });
  }

  /** One random edit, of the kinds an editor's save or a knowledge-base change makes. */
  edit(): string {
    const ids = [...this.drafts.keys()];
    const id = ids[this.int(ids.length)] ?? "";
    const draft = this.drafts.get(id);
    if (!draft) return "nothing";
    const kind = this.int(11);
    // Only body and title edits change the article's digest here: the plan must see the other
    // changes by themselves, whatever the digest covers.
    const changed = { ...draft };
    if (kind === 0) {
      // The body alone: same entities, topics and date.
      changed.version += 1;
    } else if (kind === 1) {
      const [first, ...rest] = draft.analysis.entities;
      if (first) {
        changed.analysis = {
          ...draft.analysis,
          entities: [{ ...first, mentions: first.mentions + 1 }, ...rest],
        };
      }
    } else if (kind === 2) {
      changed.analysis = this.analysis();
    } else if (kind === 3) {
      changed.date = this.date();
    } else if (kind === 4) {
      changed.editorTopics = draft.editorTopics.length > 0 ? [] : ["t1"];
    } else if (kind === 5) {
      this.drafts.delete(id);
      return `removed ${id}`;
    } else if (kind === 6) {
      this.add();
      return "added";
    } else if (kind === 7) {
      const target = this.discovered[this.int(this.discovered.length)];
      if (target) target.name = `${target.name}s`;
      this.discovered = this.discovered.map((d) => ({ ...d }));
      return "renamed a detected entity";
    } else if (kind === 9) {
      changed.analysis = {
        ...draft.analysis,
        topics: draft.analysis.topics.length > 0 ? [] : [{ id: "t2", score: 1, evidence: [] }],
      };
    } else if (kind === 10) {
      changed.searchVersion += 1;
    } else {
      changed.version += 1;
      changed.title = `${draft.title}!`;
    }
    this.drafts.set(id, changed);
    return `edit ${kind} of ${id}`;
  }

  project(relatedFrom: Archive | null): Project {
    const articles: PreparedArticle[] = [];
    const analyses = new Map<string, StoredAnalysis>();
    for (const draft of this.drafts.values()) {
      articles.push({
        ...recordOf(draft.id, { date: draft.date, title: draft.title, topics: draft.editorTopics }),
        lead: "",
        body: new Uint8Array(0),
        sentences: {},
        mentionTable: packMentions([]),
      });
      analyses.set(draft.id, draft.analysis);
    }
    const archive = buildArchive(
      { articles, analyses, discovered: this.discovered, kb },
      { relatedFrom: relatedFrom?.relatedMemory() ?? null },
    );
    const versions = new Map(
      [...this.drafts.values()].map((d) => [d.id, `${d.id}@${d.version}:${d.title}`]),
    );
    return {
      root: "/nowhere",
      config: siteConfigSchema.parse({ pageSize: 5 }),
      kb,
      archive,
      timings: {},
      corpus: {
        files: articles.length,
        cached: articles.length,
        unaffected: 0,
        recalled: 0,
        analysed: 0,
        workers: 0,
        remembered: false,
      },
      analysedIds: [],
      articleDigests: versions,
      exportDigests: new Map(
        [...versions].map(([id, v]) => [id, { record: v, mentions: `${v}:mentions` }]),
      ),
      searchDigests: new Map(
        [...this.drafts.values()].map((d) => [d.id, `${d.id}@${d.version}/${d.searchVersion}`]),
      ),
      articleInputs: { pipeline: "pipeline", files: [] },
      saveCache: async () => {},
    };
  }
}

function memoryOf(plan: RenderPlan): PlanMemory {
  if (!plan.memory) throw new Error("a plan asked for its memory comes without it");
  return plan.memory;
}

const entriesOf = (plan: RenderPlan) => ({
  outputs: [...plan.outputs],
  search: [...plan.search],
  exports: [...plan.exports],
});

describe("a plan made from the previous one", () => {
  it.each([1, 2, 3])("equals the plan made from scratch over random edits (seed %i)", (seed) => {
    const corpus = new Corpus(random(seed));
    for (let i = 0; i < 120; i++) corpus.add();
    let project = corpus.project(null);
    let memory = memoryOf(planOutputs(project, project.articleDigests, "site", { previous: null }));
    for (let step = 0; step < 60; step++) {
      const edits = Array.from({ length: 1 + (step % 3) }, () => corpus.edit());
      project = corpus.project(project.archive);
      const fresh = planOutputs(project, project.articleDigests, "site");
      const incremental = planOutputs(project, project.articleDigests, "site", {
        previous: memory,
      });
      expect(entriesOf(incremental), `step ${step}: ${edits.join(", ")}`).toEqual(entriesOf(fresh));
      memory = memoryOf(incremental);
    }
  });

  it("after one article's edit, hashes again the pages that show it and the indexes only", () => {
    const corpus = new Corpus(random(5));
    for (let i = 0; i < 60; i++) corpus.add();
    const before = corpus.project(null);
    const memory = memoryOf(planOutputs(before, before.articleDigests, "site", { previous: null }));
    // Hashes the next plan can only have taken over, never computed.
    const marked: PlanMemory = {
      ...memory,
      outputs: new Map([...memory.outputs.keys()].map((file) => [file, "taken over"])),
    };
    const edited = [...corpus.drafts.values()].find((d) => d.analysis.entities.length > 0);
    if (!edited) throw new Error("no article names an entity");
    edited.version += 1;
    const after = corpus.project(before.archive);
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
      if (folder === "archive") expect(id).toBe(edited.date?.slice(0, 4));
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

  it("plans everything again for other site code, another knowledge base or a renamed entity", () => {
    const corpus = new Corpus(random(7));
    for (let i = 0; i < 40; i++) corpus.add();
    const project = corpus.project(null);
    const before = planOutputs(project, project.articleDigests, "site", { previous: null });
    const otherSite = planOutputs(project, project.articleDigests, "other site", {
      previous: memoryOf(before),
    });
    expect([...otherSite.outputs.values()]).not.toContain([...before.outputs.values()][0]);
    expect(entriesOf(otherSite)).toEqual(
      entriesOf(planOutputs(project, project.articleDigests, "other site")),
    );
  });
});
