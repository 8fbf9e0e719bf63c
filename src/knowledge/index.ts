export { analyzeCorpus, type CorpusAnalysis, findMentions } from "./analyze.ts";
export { KNOWLEDGE_FILES, loadKnowledgeBase } from "./load.ts";
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
export { entitiesFileSchema, rejectedFileSchema, topicsFileSchema } from "./schema.ts";
