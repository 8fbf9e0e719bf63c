import type { Archive } from "../archive/index.ts";
import type { KnowledgeBase } from "../knowledge/index.ts";
import type { SiteConfig } from "./config.ts";
import { absoluteUrl, routes } from "./views.ts";

/**
 * The archive's records for researchers, as JSON and CSV. The shapes are documented in the README
 * ("Data exports") and change only with a note there.
 */

interface ExportedTopic {
  id: string;
  label: string;
  /** Null for a topic an editor assigned. */
  score: number | null;
}

export function articlesExport(archive: Archive, kb: KnowledgeBase, config: SiteConfig) {
  const labels = new Map(kb.topics.map((t) => [t.id, t.label]));
  return {
    articles: archive.articles.map((a) => ({
      id: a.id,
      sourceFile: a.sourceFile,
      url: absoluteUrl(config, routes.article(a.id)),
      title: a.title,
      date: a.date,
      dateEvidence: a.dateEvidence,
      dateFlag: a.analysis.dateFlag,
      estimatedPeriod: a.analysis.estimatedPeriod
        ? { from: a.analysis.estimatedPeriod.from, to: a.analysis.estimatedPeriod.to }
        : null,
      source: a.source,
      dateline: a.dateline,
      entities: a.analysis.entities.flatMap((e) => {
        const entity = archive.entityById.get(e.id);
        return entity
          ? [
              {
                id: e.id,
                name: entity.name,
                kind: entity.kind,
                mentions: e.mentions,
                discovered: entity.discovered,
                surfaceForms: e.surfaceForms,
              },
            ]
          : [];
      }),
      // Extracted topics with their scores, then those an editor assigned that extraction missed:
      // the topic pages list both, so the export must too. An editor's choice has no score.
      topics: [
        ...a.analysis.topics.map(
          (t): ExportedTopic => ({
            id: t.id,
            label: labels.get(t.id) ?? t.id,
            score: t.score,
          }),
        ),
        ...a.topics
          .filter((id) => !a.analysis.topics.some((t) => t.id === id))
          .map((id): ExportedTopic => ({ id, label: labels.get(id) ?? id, score: null })),
      ],
    })),
  };
}

export function entitiesExport(archive: Archive, config: SiteConfig) {
  return {
    entities: archive.entities.map((e) => ({
      id: e.id,
      name: e.name,
      kind: e.kind,
      aliases: e.aliases,
      description: e.description,
      discovered: e.discovered,
      url: absoluteUrl(config, routes.entity(e.id)),
      articles: e.occurrences.map((o) => o.articleId),
    })),
  };
}

type Cell = string | number | boolean | null;

/**
 * One RFC 4180 field. A cell a spreadsheet would run as a formula (=, +, -, @, tab, CR) is prefixed
 * with an apostrophe: scraped text must not become a formula on a researcher's machine.
 */
export function csvCell(value: Cell): string {
  if (value === null) return "";
  let text = String(value);
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(header: string[], rows: Cell[][]): string {
  return `${[header, ...rows].map((row) => row.map(csvCell).join(",")).join("\r\n")}\r\n`;
}

export function articlesCsv(archive: Archive, kb: KnowledgeBase, config: SiteConfig): string {
  const { articles } = articlesExport(archive, kb, config);
  return toCsv(
    [
      "id",
      "sourceFile",
      "url",
      "title",
      "date",
      "dateEvidence",
      "dateFlag",
      "estimatedFrom",
      "estimatedTo",
      "source",
      "dateline",
      "entities",
      "topics",
    ],
    articles.map((a) => [
      a.id,
      a.sourceFile,
      a.url,
      a.title,
      a.date,
      a.dateEvidence,
      a.dateFlag,
      a.estimatedPeriod?.from ?? null,
      a.estimatedPeriod?.to ?? null,
      a.source,
      a.dateline,
      a.entities.map((e) => e.id).join(";"),
      a.topics.map((t) => t.id).join(";"),
    ]),
  );
}

export function entitiesCsv(archive: Archive, config: SiteConfig): string {
  const { entities } = entitiesExport(archive, config);
  return toCsv(
    ["id", "name", "kind", "aliases", "description", "discovered", "url", "articles"],
    entities.map((e) => [
      e.id,
      e.name,
      e.kind,
      e.aliases.join(";"),
      e.description,
      e.discovered,
      e.url,
      e.articles.join(";"),
    ]),
  );
}

export function mentionsCsv(archive: Archive): string {
  return toCsv(
    ["articleId", "entityId", "start", "end", "surface", "via"],
    archive.articles.flatMap((a) =>
      a.analysis.mentions
        .filter((m) => archive.entityById.has(m.entityId))
        .map((m) => [a.id, m.entityId, m.start, m.end, m.surface, m.via]),
    ),
  );
}
