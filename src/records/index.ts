export { ContentError, type ContentProblem, formatProblem } from "./errors.ts";
export {
  duplicateIdProblem,
  type LoadArticlesResult,
  type LoadResult,
  listMarkdownFiles,
  loadArticles,
  MAX_ARTICLE_BYTES,
  parseArticleSource,
  safeMatterOptions,
  tooLarge,
} from "./load.ts";
export { markdownToText, renderBodyHtml } from "./markdown.ts";
export {
  type Article,
  type ArticleFrontMatter,
  articleFrontMatterSchema,
  type EntityKind,
  entityKindSchema,
  ID_PATTERN,
  idSchema,
  isoDateSchema,
  isValidIsoDate,
  type TextAnnotation,
} from "./schema.ts";
