import { readFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { z } from "zod";
import { articleId, cleanRawArticle, renderArticleFile } from "../ingest/index.ts";
import {
  type ArticleAnalysis,
  analyzeCorpus,
  type Entity,
  type KnowledgeBase,
  loadKnowledgeBase,
} from "../knowledge/index.ts";
import {
  type Article,
  ContentError,
  type EntityKind,
  loadArticles,
  parseArticleSource,
} from "../records/index.ts";

/**
 * Scores extraction against gold annotations (the format of shared/seeds/gold/seeds.json): entities
 * per article and per kind, role references, dates, date flags, estimated periods and topics.
 */

const goldEntitySchema = z.object({
  canonical: z.string(),
  kind: z.enum(["person", "organization", "place"]),
  aliases_in_text: z.array(z.string()).default([]),
  ner_target: z.boolean().default(true),
  surface_counts: z
    .array(z.object({ form: z.string(), type: z.string(), count: z.number() }))
    .default([]),
});

const goldArticleSchema = z.object({
  file: z.string(),
  date: z.string().nullable(),
  date_evidence: z.string().nullable().optional(),
  date_reliability: z.string().default(""),
  content_period: z.object({ value: z.string(), range: z.array(z.string()).optional() }).optional(),
  entities: z.array(goldEntitySchema),
  neutral_extra: z.array(z.string()).default([]),
  topics: z.array(z.object({ id: z.string(), weight: z.string() })).default([]),
});

export const goldFileSchema = z.array(goldArticleSchema);
export type GoldArticle = z.infer<typeof goldArticleSchema>;

export interface Counts {
  tp: number;
  fp: number;
  fn: number;
}

export interface ArticleScore {
  file: string;
  entities: Counts;
  nerTargets: Counts;
  byKind: Record<EntityKind, Counts>;
  missed: string[];
  spurious: string[];
  roles: { resolved: number; total: number; unresolved: string[] };
  date: { expected: string | null; actual: string | null; ok: boolean };
  flag: { expected: boolean; actual: boolean; ok: boolean };
  period: {
    expected: string | null;
    actual: { from: string; to: string } | null;
    ok: boolean | null;
  };
  topics: Counts & { primaryFound: number; primaryTotal: number };
}

export interface EvalReport {
  articles: ArticleScore[];
  entities: Counts;
  nerTargets: Counts;
  byKind: Record<EntityKind, Counts>;
  roles: { resolved: number; total: number };
  topics: Counts;
}

const fold = (text: string) =>
  text.normalize("NFKD").replace(/\p{M}/gu, "").replace(/[’‘]/g, "'").toLowerCase().trim();

const empty = (): Counts => ({ tp: 0, fp: 0, fn: 0 });
const add = (a: Counts, b: Counts) => {
  a.tp += b.tp;
  a.fp += b.fp;
  a.fn += b.fn;
};

export function f1(c: Counts): { precision: number; recall: number; f1: number } {
  const precision = c.tp + c.fp === 0 ? 1 : c.tp / (c.tp + c.fp);
  const recall = c.tp + c.fn === 0 ? 1 : c.tp / (c.tp + c.fn);
  return {
    precision,
    recall,
    f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall),
  };
}

/** Names by which a predicted entity may match a gold one: its canonical name and aliases. */
function namesOf(
  id: string,
  kb: ReadonlyMap<string, Entity>,
  discoveredName: string | undefined,
): Set<string> {
  const entity = kb.get(id);
  const names = entity
    ? [entity.name, ...entity.aliases, ...entity.misspellings]
    : [discoveredName ?? id];
  return new Set(names.map(fold));
}

function matches(gold: GoldArticle["entities"][number], names: Set<string>): boolean {
  const goldNames = [
    gold.canonical,
    ...gold.surface_counts.filter((s) => s.type === "name").map((s) => s.form),
  ];
  return goldNames.some((n) => names.has(fold(n)));
}

export function scoreArticle(
  gold: GoldArticle,
  article: Article,
  analysis: ArticleAnalysis,
  kb: KnowledgeBase,
): ArticleScore {
  const byId = new Map(kb.entities.map((e) => [e.id, e]));
  const discovered = new Map(analysis.discovered.map((d) => [d.id, d.name]));
  const predicted = analysis.entities.map((e) => ({
    id: e.id,
    kind: (byId.get(e.id)?.kind ??
      analysis.discovered.find((d) => d.id === e.id)?.kind ??
      "place") as EntityKind,
    names: namesOf(e.id, byId, discovered.get(e.id)),
  }));
  const neutral = new Set(gold.neutral_extra.map(fold));
  const entities = empty();
  const nerTargets = empty();
  const byKind: Record<EntityKind, Counts> = {
    person: empty(),
    organization: empty(),
    place: empty(),
  };
  const matchedPredictions = new Set<string>();
  const missed: string[] = [];
  for (const g of gold.entities) {
    const hit = predicted.find((p) => matches(g, p.names));
    if (hit) matchedPredictions.add(hit.id);
    const bucket = hit ? "tp" : "fn";
    entities[bucket] += 1;
    byKind[g.kind][bucket] += 1;
    if (g.ner_target) nerTargets[bucket] += 1;
    if (!hit) missed.push(g.canonical);
  }
  const spurious: string[] = [];
  for (const p of predicted) {
    if (matchedPredictions.has(p.id) || [...p.names].some((n) => neutral.has(n))) continue;
    entities.fp += 1;
    nerTargets.fp += 1;
    byKind[p.kind].fp += 1;
    spurious.push(byId.get(p.id)?.name ?? discovered.get(p.id) ?? p.id);
  }

  const roles = { resolved: 0, total: 0, unresolved: [] as string[] };
  for (const g of gold.entities) {
    const entity = predicted.find((p) => matches(g, p.names));
    for (const s of g.surface_counts.filter((x) => x.type === "role")) {
      roles.total += 1;
      const form = fold(s.form).replace(/^the /, "");
      const ok = analysis.mentions.some(
        (m) => m.entityId === entity?.id && fold(m.surface).includes(form),
      );
      if (ok) roles.resolved += 1;
      else roles.unresolved.push(`${s.form} → ${g.canonical}`);
    }
  }

  const expectedFlag = /^contradicted/i.test(gold.date_reliability);
  const goldDay = gold.content_period?.value ?? null;
  const period = analysis.estimatedPeriod;
  const periodOk =
    gold.date !== null || !goldDay
      ? null
      : period !== null &&
        period.from.slice(0, 4) === goldDay.slice(0, 4) &&
        period.from <= goldDay.padEnd(10, "-31") &&
        goldDay.slice(0, 7) <= period.to.slice(0, 7);

  const goldTopics = new Set(gold.topics.map((t) => t.id));
  const ours = new Set(analysis.topics.map((t) => t.id));
  const topics = {
    tp: [...ours].filter((t) => goldTopics.has(t)).length,
    fp: [...ours].filter((t) => !goldTopics.has(t)).length,
    fn: [...goldTopics].filter((t) => !ours.has(t)).length,
    primaryTotal: gold.topics.filter((t) => t.weight === "primary").length,
    primaryFound: gold.topics.filter((t) => t.weight === "primary" && ours.has(t.id)).length,
  };

  return {
    file: gold.file,
    entities,
    nerTargets,
    byKind,
    missed,
    spurious,
    roles,
    date: {
      expected: gold.date,
      actual: article.date,
      ok: gold.date === (article.date?.slice(0, 10) ?? null),
    },
    flag: {
      expected: expectedFlag,
      actual: analysis.dateFlag !== null,
      ok: expectedFlag === (analysis.dateFlag !== null),
    },
    period: {
      expected: goldDay,
      actual: period ? { from: period.from, to: period.to } : null,
      ok: periodOk,
    },
    topics,
  };
}

export function scoreCorpus(
  gold: GoldArticle[],
  articles: readonly Article[],
  analyses: ReadonlyMap<string, ArticleAnalysis>,
  kb: KnowledgeBase,
): EvalReport {
  const bySource = new Map(articles.map((a) => [a.sourceFile ?? "", a]));
  const report: EvalReport = {
    articles: [],
    entities: empty(),
    nerTargets: empty(),
    byKind: { person: empty(), organization: empty(), place: empty() },
    roles: { resolved: 0, total: 0 },
    topics: empty(),
  };
  for (const g of gold) {
    const article = bySource.get(g.file);
    const analysis = article ? analyses.get(article.id) : undefined;
    if (!article || !analysis)
      throw new Error(
        `gold entry ${g.file}: no imported article and no raw file (import it, or name its folder with --raw DIR)`,
      );
    const score = scoreArticle(g, article, analysis, kb);
    report.articles.push(score);
    add(report.entities, score.entities);
    add(report.nerTargets, score.nerTargets);
    for (const kind of ["person", "organization", "place"] as const)
      add(report.byKind[kind], score.byKind[kind]);
    report.roles.resolved += score.roles.resolved;
    report.roles.total += score.roles.total;
    add(report.topics, score.topics);
  }
  return report;
}

const pct = (n: number) => n.toFixed(3);
const prf = (c: Counts) => {
  const s = f1(c);
  return `P ${pct(s.precision)}  R ${pct(s.recall)}  F1 ${pct(s.f1)}  (tp ${c.tp}, fp ${c.fp}, fn ${c.fn})`;
};

export function formatReport(report: EvalReport): string {
  const lines: string[] = [];
  for (const a of report.articles) {
    lines.push(`${a.file}`);
    lines.push(`  entities (named)  ${prf(a.nerTargets)}`);
    lines.push(`  entities (all)    ${prf(a.entities)}`);
    if (a.missed.length) lines.push(`  missed: ${a.missed.join(", ")}`);
    if (a.spurious.length) lines.push(`  not in gold: ${a.spurious.join(", ")}`);
    lines.push(
      `  roles resolved ${a.roles.resolved}/${a.roles.total}${a.roles.unresolved.length ? ` (unresolved: ${a.roles.unresolved.join("; ")})` : ""}`,
    );
    lines.push(
      `  date ${a.date.ok ? "ok" : "WRONG"} (${a.date.actual ?? "none"})  flag ${a.flag.ok ? "ok" : "WRONG"} (${a.flag.actual ? "flagged" : "not flagged"})${a.period.ok === null ? "" : `  estimate ${a.period.ok ? "ok" : "WRONG"} (${a.period.actual ? `${a.period.actual.from}..${a.period.actual.to}` : "none"}; gold ${a.period.expected})`}`,
    );
    lines.push(
      `  topics ${prf(a.topics)}; primary ${a.topics.primaryFound}/${a.topics.primaryTotal}`,
    );
  }
  lines.push("");
  lines.push(`All articles`);
  lines.push(`  entities (named)  ${prf(report.nerTargets)}`);
  lines.push(`  entities (all)    ${prf(report.entities)}`);
  for (const kind of ["person", "organization", "place"] as const) {
    lines.push(`  ${kind.padEnd(17)} ${prf(report.byKind[kind])}`);
  }
  lines.push(`  roles resolved    ${report.roles.resolved}/${report.roles.total}`);
  lines.push(
    `  dates             ${report.articles.filter((a) => a.date.ok).length}/${report.articles.length} correct`,
  );
  lines.push(
    `  date flags        ${report.articles.filter((a) => a.flag.ok).length}/${report.articles.length} correct`,
  );
  const periods = report.articles.filter((a) => a.period.ok !== null);
  lines.push(
    `  estimates         ${periods.filter((a) => a.period.ok).length}/${periods.length} in the right year`,
  );
  lines.push(`  topics            ${prf(report.topics)}`);
  return lines.join("\n");
}

/**
 * Articles a gold file annotates that are not imported under content/: read from the raw folder
 * and imported in memory, exactly as `news-archive import` would, without writing anything.
 */
async function importInMemory(
  gold: GoldArticle[],
  have: ReadonlySet<string>,
  rawDir: string,
): Promise<Article[]> {
  const imported: Article[] = [];
  for (const entry of gold) {
    if (have.has(entry.file)) continue;
    const raw = await readFile(path.join(rawDir, entry.file), "utf8").catch(() => null);
    if (raw === null) continue;
    const id = articleId(entry.file, "", raw);
    const markdown = renderArticleFile(id, entry.file, cleanRawArticle(raw));
    const parsed = parseArticleSource(new TextEncoder().encode(markdown), entry.file);
    if (parsed.ok) imported.push(parsed.article);
  }
  return imported;
}

export async function runEval(args: string[], options: { root: string }): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { raw: { type: "string" } },
  });
  const goldFiles =
    positionals.length > 0
      ? positionals
      : [path.resolve(options.root, "..", "shared", "seeds", "gold", "seeds.json")];
  const kb = await loadKnowledgeBase(path.join(options.root, "content", "knowledge"), options.root);
  const { articles: content, problems } = await loadArticles(
    path.join(options.root, "content", "articles"),
    options.root,
  );
  if (problems.length > 0) throw new ContentError(problems);
  for (const file of goldFiles) {
    const gold = goldFileSchema.parse(JSON.parse(await readFile(file, "utf8")));
    const rawDir = values.raw
      ? path.resolve(options.root, values.raw)
      : path.join(path.dirname(file), "..", "raw");
    const have = new Set(content.map((a) => a.sourceFile ?? ""));
    const articles = [...content, ...(await importInMemory(gold, have, rawDir))];
    const { analyses } = analyzeCorpus(articles, kb);
    console.log(`Gold: ${path.relative(options.root, file)}\n`);
    console.log(formatReport(scoreCorpus(gold, articles, analyses, kb)));
  }
  return 0;
}
