import dayjs from "dayjs";
import customParseFormat from "dayjs/plugin/customParseFormat.js";
import { z } from "zod";

dayjs.extend(customParseFormat);

/** URL- and file-system-safe identifier: it becomes a path segment under dist/. */
export const ID_PATTERN = /^[a-z0-9](?:[a-z0-9_-]{0,126}[a-z0-9])?$/;

export const idSchema = z
  .string()
  .regex(
    ID_PATTERN,
    "must be 1-128 lowercase letters, digits, '-' or '_', starting and ending with a letter or digit",
  );

const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;
const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?$/;

/** True for a real calendar day (rejects 2021-02-30 and 2021-13-40, which Date would roll over). */
export function isValidIsoDate(value: string): boolean {
  if (ISO_DAY.test(value)) return dayjs(value, "YYYY-MM-DD", true).isValid();
  if (ISO_DATETIME.test(value)) {
    return dayjs(value.slice(0, 10), "YYYY-MM-DD", true).isValid() && dayjs(value).isValid();
  }
  return false;
}

/** An ISO 8601 day (`2021-04-14`) or date-time (`2021-08-16T09:12:00Z`). */
export const isoDateSchema = z.string().refine(isValidIsoDate, {
  error: (issue) => `${JSON.stringify(issue.input)} is not a valid date (expected YYYY-MM-DD)`,
});

export const entityKindSchema = z.enum(["person", "organization", "place"]);
export type EntityKind = z.infer<typeof entityKindSchema>;

const nonEmptyText = z.string().trim().min(1, "must not be empty");

/**
 * Front matter of a Markdown article under content/articles/.
 * Strict: an unknown key is an error, so a typo such as `tittle:` is caught instead of ignored.
 */
export const articleFrontMatterSchema = z.strictObject({
  id: idSchema,
  title: nonEmptyText.max(300, "must be at most 300 characters"),
  date: isoDateSchema.nullable(),
  dateEvidence: z.string().nullable().default(null),
  source: nonEmptyText.nullable().default(null),
  dateline: nonEmptyText.nullable().default(null),
  sourceTags: z.array(nonEmptyText).default([]),
  sourceFile: nonEmptyText.nullable().default(null),
  /** Digest of the file as the importer wrote it; a file whose content no longer matches was edited. */
  importDigest: z.string().optional(),
  /** Topic ids an editor assigns by hand, on top of the extracted ones. */
  topics: z.array(idSchema).default([]),
});

export type ArticleFrontMatter = z.infer<typeof articleFrontMatterSchema>;

/** A validated article: front matter plus the body in the forms later stages need. */
export interface Article extends ArticleFrontMatter {
  /** Path of the source file relative to the project root, with forward slashes. */
  file: string;
  /** Markdown body as written (front matter removed). */
  markdown: string;
  /**
   * Plain text of the rendered body. Blocks are separated by a blank line. Character offsets into
   * this string are what mention finding reports and what `renderBodyHtml` links.
   */
  text: string;
}

/** A range of `Article.text` to wrap in a link on the article page. */
export interface TextAnnotation {
  start: number;
  end: number;
  href: string;
  title?: string;
  className?: string;
}
