import type { Article } from "../records/index.ts";
import type {
  ArticleAnalysis,
  ArticleEntity,
  ArticleTopic,
  DiscoveredEntity,
  KnowledgeBase,
  Mention,
  MentionVia,
} from "./schema.ts";

/**
 * First version of mention finding: known names, aliases and role phrases matched as whole words,
 * longest match first. The knowledge stage's later work (fuzzy names, discovery, date checks)
 * plugs in behind `analyzeCorpus`, which is all other stages call.
 */

interface Pattern {
  phrase: string;
  entityId: string;
  via: MentionVia;
  from?: string;
  to?: string | null;
}

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function patternsOf(kb: KnowledgeBase): Pattern[] {
  const patterns: Pattern[] = [];
  for (const entity of kb.entities) {
    patterns.push({ phrase: entity.name, entityId: entity.id, via: "name" });
    for (const alias of entity.aliases)
      patterns.push({ phrase: alias, entityId: entity.id, via: "alias" });
    for (const m of entity.misspellings)
      patterns.push({ phrase: m, entityId: entity.id, via: "misspelling" });
    for (const role of entity.roles) {
      for (const alias of role.aliases) {
        patterns.push({
          phrase: alias,
          entityId: entity.id,
          via: "role",
          from: role.from,
          to: role.to,
        });
      }
    }
  }
  return patterns.sort((a, b) => b.phrase.length - a.phrase.length);
}

export function findMentions(text: string, date: string | null, kb: KnowledgeBase): Mention[] {
  const taken = new Uint8Array(text.length);
  const mentions: Mention[] = [];
  const day = date?.slice(0, 10) ?? null;
  for (const p of patternsOf(kb)) {
    if (p.via === "role" && (!day || day < (p.from ?? "") || (p.to && day >= p.to))) continue;
    const re = new RegExp(
      `(?<![\\p{L}\\p{N}])${escapeRegExp(p.phrase)}(?:'s|’s)?(?![\\p{L}\\p{N}])`,
      "gu",
    );
    for (const match of text.matchAll(re)) {
      const start = match.index;
      const end = start + p.phrase.length;
      if (taken.subarray(start, end).some((t) => t === 1)) continue;
      taken.fill(1, start, end);
      mentions.push({
        entityId: p.entityId,
        start,
        end,
        surface: text.slice(start, end),
        via: p.via,
      });
    }
  }
  return mentions.sort((a, b) => a.start - b.start);
}

function summarise(mentions: Mention[]): ArticleEntity[] {
  const byId = new Map<string, ArticleEntity>();
  for (const m of mentions) {
    const entry = byId.get(m.entityId) ?? {
      id: m.entityId,
      mentions: 0,
      surfaceForms: [],
      discovered: false,
    };
    entry.mentions += 1;
    if (!entry.surfaceForms.includes(m.surface)) entry.surfaceForms.push(m.surface);
    byId.set(m.entityId, entry);
  }
  return [...byId.values()].sort((a, b) => b.mentions - a.mentions || a.id.localeCompare(b.id));
}

function scoreTopics(text: string, entities: ArticleEntity[], kb: KnowledgeBase): ArticleTopic[] {
  const lower = text.toLowerCase();
  const topics: ArticleTopic[] = [];
  for (const topic of kb.topics) {
    let score = 0;
    const evidence: string[] = [];
    for (const rule of topic.rules.phrases) {
      if (lower.includes(rule.text.toLowerCase())) {
        score += rule.weight;
        evidence.push(rule.text);
      }
    }
    for (const rule of topic.rules.entities) {
      if (entities.some((e) => e.id === rule.id)) {
        score += rule.weight;
        evidence.push(rule.id);
      }
    }
    if (score >= topic.threshold) topics.push({ id: topic.id, score, evidence });
  }
  return topics.sort((a, b) => b.score - a.score || a.id.localeCompare(b.id));
}

export interface CorpusAnalysis {
  analyses: Map<string, ArticleAnalysis>;
  discovered: DiscoveredEntity[];
}

export function analyzeCorpus(articles: readonly Article[], kb: KnowledgeBase): CorpusAnalysis {
  const analyses = new Map<string, ArticleAnalysis>();
  for (const article of articles) {
    const mentions = findMentions(article.text, article.date, kb);
    const entities = summarise(mentions);
    analyses.set(article.id, {
      mentions,
      entities,
      discovered: [],
      topics: scoreTopics(article.text, entities, kb),
      dateFlag: null,
      estimatedPeriod: null,
    });
  }
  return { analyses, discovered: [] };
}
