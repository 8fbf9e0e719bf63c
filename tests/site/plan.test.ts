import { describe, expect, it } from "vitest";
import {
  buildArchive,
  type PreparedArticle,
  type StoredAnalysis,
} from "../../src/archive/index.ts";
import { packMentions } from "../../src/archive/work.ts";
import { siteConfigSchema } from "../../src/site/config.ts";
import { planOutputs } from "../../src/site/plan.ts";
import type { Project } from "../../src/site/project.ts";
import { kb } from "../discover/corpus.ts";
import { projectFrom } from "../helpers/project.ts";
import { recordOf } from "../helpers/records.ts";

/**
 * The plan at the scale the README designs for: an entity named in every article of a large
 * archive gives its first page (a timeline of every article) one input per article.
 */

function projectOf(count: number): Project {
  const articles: PreparedArticle[] = [];
  const analyses = new Map<string, StoredAnalysis>();
  for (let i = 0; i < count; i++) {
    const id = `a${String(i).padStart(6, "0")}`;
    const day = String((i % 28) + 1).padStart(2, "0");
    articles.push({
      ...recordOf(id, { date: `2020-02-${day}` }),
      lead: "",
      body: new Uint8Array(0),
      sentences: new Uint8Array(0),
      mentionTable: packMentions([]),
    });
    analyses.set(id, {
      entities: [{ id: "nato", mentions: 1, surfaceForms: ["NATO"], discovered: false }],
      discovered: [],
      topics: [],
      dateFlag: null,
      estimatedPeriod: null,
    });
  }
  const archive = buildArchive({ articles, analyses, discovered: [], kb });
  const digests = new Map(articles.map((a) => [a.id, `digest of ${a.id}`]));
  return projectFrom({
    config: siteConfigSchema.parse({}),
    kb,
    archive,
    articleDigests: digests,
    exportDigests: new Map(articles.map((a) => [a.id, { record: a.id, mentions: a.id }])),
    searchDigests: digests,
  });
}

describe("the page plan", () => {
  it("plans an archive whose every article names one entity, beyond the arguments a call may have", () => {
    const count = 130_000;
    const project = projectOf(count);
    const plan = planOutputs(project, project.articleDigests, "site");
    expect(plan.outputs.has("entities/nato/index.html")).toBe(true);
    expect(plan.outputs.has(`articles/a${String(count - 1).padStart(6, "0")}/index.html`)).toBe(
      true,
    );
    // Every article, NATO's page, and the first page of each topic of the taxonomy.
    expect(plan.search.size).toBe(count + 1 + kb.topics.length);
    // The entity's first page depends on every article: changing one's digest changes it.
    const changed = new Map(project.articleDigests).set("a000000", "another digest");
    const replanned = planOutputs(project, changed, "site");
    expect(replanned.outputs.get("entities/nato/index.html")).not.toBe(
      plan.outputs.get("entities/nato/index.html"),
    );
  }, 60_000);
});
