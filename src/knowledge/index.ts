export {
  type AnalyzeOptions,
  type Analyzer,
  type ArticleResult,
  analyzeArticle,
  analyzeCorpus,
  type CorpusAnalysis,
  combineAnalyses,
  createAnalyzer,
  extractMentions,
  findMentions,
} from "./analyze.ts";
export {
  type ArticleTrace,
  foundIds,
  type KnowledgeChange,
  knowledgeChange,
  matchingText,
  mayAffect,
  NO_CHANGE,
} from "./change.ts";
export { dateFlag, estimatePeriod, formatDay, type RoleConstraint } from "./dates.ts";
export type { Proposal, SentenceMemo } from "./discover.ts";
export { KNOWLEDGE_FILES, loadKnowledgeBase, readKnowledgeDigest } from "./load.ts";
export { PhraseIndex } from "./matcher.ts";
export type { ReviewCandidate } from "./review.ts";
export type {
  ArticleAnalysis,
  ArticleEntity,
  ArticleTopic,
  DatedRole,
  DiscoveredEntity,
  Entity,
  EstimatedPeriod,
  KnowledgeBase,
  Mention,
  MentionVia,
  Rejected,
  Topic,
} from "./schema.ts";
export {
  entitiesFileSchema,
  mentionViaSchema,
  rejectedFileSchema,
  topicsFileSchema,
} from "./schema.ts";
