import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { exportDigests } from "../../src/archive/cache.ts";
import { type Archive, buildArchive } from "../../src/archive/index.ts";
import { siteConfigSchema } from "../../src/site/config.ts";
import {
  DATA_EXPORT_PATHS,
  type ExportLayout,
  exportText,
  layoutFits,
  type PreviousExport,
  writeDataExports,
} from "../../src/site/exports.ts";
import { planOutputs } from "../../src/site/plan.ts";
import type { Project } from "../../src/site/project.ts";
import { projectFrom } from "../helpers/project.ts";
import { kb, prng, RandomCorpus } from "../helpers/random-corpus.ts";

/**
 * A rebuild writes a changed data export by copying the bodies of unchanged items from the
 * previous file. Whatever the edits, the file must be the one written from scratch, byte for byte.
 */

const config = siteConfigSchema.parse({ pageSize: 5, url: "https://news.example.org" });
const folders: string[] = [];
const folder = async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "export-layout-"));
  folders.push(dir);
  return dir;
};

afterAll(async () => {
  await Promise.all(folders.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A project whose export digests are the ones a build computes from each article. */
function projectOf(corpus: RandomCorpus, previous: Archive | null): Project {
  const input = corpus.input();
  const archive = buildArchive(input, { relatedFrom: previous?.relatedMemory() ?? null });
  return projectFrom({
    config,
    kb,
    archive,
    articleDigests: corpus.digests(),
    // input() prepared every article: a build digests the prepared article with its analysis.
    exportDigests: new Map(
      [...corpus.drafts.values()].flatMap((draft) =>
        draft.prepared
          ? [
              [
                draft.id,
                exportDigests(draft.prepared, {
                  analysis: draft.analysis,
                  discovery: { proposed: [], mentions: [] },
                }),
              ] as const,
            ]
          : [],
      ),
    ),
    searchDigests: corpus.searchDigests(),
  });
}

type Layouts = Map<string, ExportLayout>;

/** Writes every export into a new folder, from the previous folder's where given. */
async function write(project: Project, site: string, previous?: { dir: string; layouts: Layouts }) {
  const dir = await folder();
  const plan = planOutputs(project, project.articleDigests, site);
  const sources = new Map<string, PreviousExport>();
  for (const [sitePath, layout] of previous?.layouts ?? []) {
    sources.set(sitePath, { file: path.join(previous?.dir ?? "", sitePath), layout });
  }
  const written = await writeDataExports(
    dir,
    project.archive,
    project.kb,
    project.config,
    DATA_EXPORT_PATHS,
    { inputs: plan.exportInputs, previous: sources },
  );
  const layouts: Layouts = new Map([...written].map(([p, w]) => [p, w.layout]));
  const copied = [...written.values()].reduce((sum, w) => sum + w.copied, 0);
  return { dir, layouts, copied };
}

const exported = (dir: string, sitePath: string) => readFile(path.join(dir, sitePath), "utf8");

describe("data exports written from the previous ones", () => {
  it.each([1, 2, 3])(
    "are the exports written from scratch over random edits (seed %i)",
    async (seed) => {
      const corpus = new RandomCorpus(prng(seed));
      for (let i = 0; i < 80; i++) corpus.add();
      let project = projectOf(corpus, null);
      let last = await write(project, "site");
      let copied = 0;
      for (let step = 0; step < 25; step++) {
        const edits = Array.from({ length: 1 + (step % 3) }, () => corpus.edit());
        project = projectOf(corpus, project.archive);
        const next = await write(project, "site", last);
        for (const sitePath of DATA_EXPORT_PATHS) {
          const text = await exported(next.dir, sitePath);
          const because = `step ${step} (${edits.join(", ")}): ${sitePath}`;
          expect(text, because).toBe(exportText(sitePath, project.archive, kb, config));
          const layout = next.layouts.get(sitePath);
          expect(layout?.size, because).toBe(Buffer.byteLength(text));
          expect(layout && layoutFits(sitePath, layout), because).toBe(true);
        }
        copied += next.copied;
        await rm(last.dir, { recursive: true, force: true });
        last = next;
      }
      // Not an empty check: most of what the steps wrote came from the file before.
      expect(copied).toBeGreaterThan(0);
    },
  );

  it("copy unchanged items from the previous file, make changed ones afresh, and copy nothing for other code or settings", async () => {
    const corpus = new RandomCorpus(prng(11));
    for (let i = 0; i < 20; i++) corpus.add();
    const first = await write(projectOf(corpus, null), "site");
    const [kept, edited] = [...corpus.drafts.values()];
    if (!kept || !edited) throw new Error("too few articles");
    // The previous file's record of an unchanged article, altered in place: a copy carries it over.
    for (const sitePath of ["/data/articles.json", "/data/articles.csv"]) {
      const file = path.join(first.dir, sitePath);
      const text = await readFile(file, "utf8");
      const altered = text.replace(`/articles/${kept.id}/`, `/ARTICLES/${kept.id}/`);
      expect(altered).not.toBe(text);
      await writeFile(file, altered);
    }
    edited.title = `${edited.title} (corrected)`;
    edited.version += 1;
    edited.prepared = undefined;
    const project = projectOf(corpus, null);
    const next = await write(project, "site", first);
    for (const sitePath of ["/data/articles.json", "/data/articles.csv"]) {
      const text = await exported(next.dir, sitePath);
      expect(text, sitePath).toContain(`/ARTICLES/${kept.id}/`);
      expect(text, sitePath).toContain(`${edited.id} (corrected)`);
    }
    expect(next.copied).toBeGreaterThan(0);
    // Other code or settings: every body is made again.
    const other = await write(project, "other site", first);
    expect(other.copied).toBe(0);
    expect(await exported(other.dir, "/data/articles.json")).not.toContain("/ARTICLES/");
  });
});
