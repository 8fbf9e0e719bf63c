import { z } from "zod";
import { entityKindSchema, idSchema, isoDateSchema } from "../records/index.ts";

/**
 * The curated knowledge base lives in content/knowledge/*.yaml and is edited by editors.
 * These schemas are its single definition: validation messages and TypeScript types both come
 * from here.
 */

const phrase = z.string().trim().min(1, "must not be empty");

/** A dated office: "Secretary General of NATO" from 2014-10-01 to 2024-10-01. */
export const datedRoleSchema = z.strictObject({
  role: phrase,
  /**
   * Titles and phrases for the holder while in office ("NATO Secretary General", "the NATO chief").
   * A phrase is resolved by the article's date and counts as a mention only where the article also
   * names the holder: otherwise it refers to someone the article never names.
   */
  aliases: z.array(phrase).default([]),
  from: isoDateSchema,
  /** null: still in office. */
  to: isoDateSchema.nullable().default(null),
});
export type DatedRole = z.infer<typeof datedRoleSchema>;

export const entitySchema = z.strictObject({
  id: idSchema,
  name: phrase,
  kind: entityKindSchema,
  description: z.string().default(""),
  /** Other names matched as whole words: "Stoltenberg", "NATO's" need not be listed (possessives are automatic). */
  aliases: z.array(phrase).default([]),
  /** Known misspellings and glued forms seen in scraped text ("Sassouli", "LuigiDiMaio"). */
  misspellings: z.array(phrase).default([]),
  /** Descriptive references that mean this entity in this archive ("the alliance" for NATO). */
  descriptions: z.array(phrase).default([]),
  roles: z.array(datedRoleSchema).default([]),
});
export type Entity = z.infer<typeof entitySchema>;

export const topicRuleSchema = z.strictObject({
  phrases: z
    .array(z.strictObject({ text: phrase, weight: z.number().positive().default(1) }))
    .default([]),
  entities: z
    .array(z.strictObject({ id: idSchema, weight: z.number().positive().default(1) }))
    .default([]),
});

export const topicSchema = z.strictObject({
  id: idSchema,
  label: phrase,
  definition: z.string().default(""),
  rules: topicRuleSchema.default({ phrases: [], entities: [] }),
  /** Minimum score for the topic to be assigned to an article. */
  threshold: z.number().positive().default(2),
});
export type Topic = z.infer<typeof topicSchema>;

export const rejectedSchema = z.strictObject({
  name: phrase,
  reason: z.string().default(""),
});
export type Rejected = z.infer<typeof rejectedSchema>;

export const entitiesFileSchema = z.strictObject({ entities: z.array(entitySchema) });
export const topicsFileSchema = z.strictObject({ topics: z.array(topicSchema) });
export const rejectedFileSchema = z.strictObject({ rejected: z.array(rejectedSchema).default([]) });

export interface KnowledgeBase {
  entities: Entity[];
  topics: Topic[];
  rejected: Rejected[];
  /** Hash of the knowledge files, for caches keyed on what extraction depends on. */
  digest: string;
}

/** How a stretch of text was recognised as a mention. */
export const mentionViaSchema = z.enum([
  "name",
  "alias",
  "misspelling",
  "glued",
  "fuzzy",
  "role",
  "description",
  "discovered",
]);
export type MentionVia = z.infer<typeof mentionViaSchema>;

/** One mention: `text.slice(start, end) === surface` on the article's plain text. */
export interface Mention {
  entityId: string;
  start: number;
  end: number;
  surface: string;
  via: MentionVia;
}

/** An entity the knowledge base does not have, found by name detection in one article. */
export interface DiscoveredEntity {
  id: string;
  name: string;
  kind: z.infer<typeof entityKindSchema>;
}

export interface ArticleEntity {
  id: string;
  mentions: number;
  surfaceForms: string[];
  discovered: boolean;
}

export interface ArticleTopic {
  id: string;
  score: number;
  /** The phrases and entities that earned the score, as they appear in the text. */
  evidence: string[];
}

export interface EstimatedPeriod {
  from: string;
  to: string;
  /** Why: "Joe Biden as President of the United States (from 2021-01-20)". */
  basis: string[];
}

/** What the knowledge stage says about one article. */
export interface ArticleAnalysis {
  mentions: Mention[];
  /** Entities named in the article, most-mentioned first. */
  entities: ArticleEntity[];
  /** Automatically detected entities this article introduces (not in the knowledge base). */
  discovered: DiscoveredEntity[];
  /** Topics ranked by score, best first. */
  topics: ArticleTopic[];
  /** A sentence when the header date contradicts the content, else null. */
  dateFlag: string | null;
  /** For undated articles: the period the content implies, else null. Never shown as a fact. */
  estimatedPeriod: EstimatedPeriod | null;
}
