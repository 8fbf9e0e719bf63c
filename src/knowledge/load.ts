import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import type { z } from "zod";
import { ContentError, type ContentProblem } from "../records/index.ts";
import {
  entitiesFileSchema,
  type KnowledgeBase,
  rejectedFileSchema,
  topicsFileSchema,
} from "./schema.ts";

export const KNOWLEDGE_FILES = {
  entities: "entities.yaml",
  topics: "topics.yaml",
  rejected: "rejected.yaml",
} as const;

/** Line of the node at a zod issue path, so an editor is sent to the right line of a long file. */
function lineOfPath(
  doc: ReturnType<typeof parseDocument>,
  counter: LineCounter,
  at: PropertyKey[],
) {
  let node: unknown = doc.contents;
  let line: number | undefined;
  for (const key of at) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && p.key.value === key);
      if (!pair) break;
      if (isScalar(pair.key) && pair.key.range) line = counter.linePos(pair.key.range[0]).line;
      node = pair.value;
    } else if (isSeq(node) && typeof key === "number") {
      node = node.items[key];
      const range = (node as Node | undefined)?.range;
      if (range) line = counter.linePos(range[0]).line;
    } else break;
  }
  return line;
}

/** A file's text, or null when it cannot be read. */
function readText(file: string): Promise<string | null> {
  return readFile(file, "utf8").catch(() => null);
}

function parseYaml<S extends z.ZodType>(
  text: string | null,
  rel: string,
  schema: S,
  optional: boolean,
): {
  value?: z.infer<S>;
  problems: ContentProblem[];
  lineOf: (at: PropertyKey[]) => number | undefined;
} {
  const noLine = () => undefined;
  if (text === null) {
    if (optional) return { value: schema.parse({}), problems: [], lineOf: noLine };
    return { problems: [{ file: rel, message: "is missing" }], lineOf: noLine };
  }
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false });
  const yamlError = doc.errors[0];
  if (yamlError) {
    const line = counter.linePos(yamlError.pos[0]).line;
    return {
      problems: [{ file: rel, line, message: `invalid YAML: ${yamlError.message.split("\n")[0]}` }],
      lineOf: noLine,
    };
  }
  const lineOf = (at: PropertyKey[]) => lineOfPath(doc, counter, at);
  const result = schema.safeParse(doc.toJS() ?? {});
  if (result.success) return { value: result.data, problems: [], lineOf };
  return {
    lineOf,
    problems: result.error.issues.map((issue) => {
      const line = lineOfPath(doc, counter, issue.path);
      return {
        file: rel,
        ...(line ? { line } : {}),
        field: issue.path.map(String).join("."),
        message: issue.message,
      };
    }),
  };
}

function readKnowledgeTexts(dir: string): Promise<(string | null)[]> {
  return Promise.all(
    [KNOWLEDGE_FILES.entities, KNOWLEDGE_FILES.topics, KNOWLEDGE_FILES.rejected].map((name) =>
      readText(path.join(dir, name)),
    ),
  );
}

/** Of the three texts as read, an absent file as empty text. */
function digestOfTexts(texts: readonly (string | null)[]): string {
  return createHash("sha256")
    .update(texts.map((text) => text ?? "").join("\0"))
    .digest("hex")
    .slice(0, 16);
}

/**
 * The digest the knowledge base in `dir` would have once loaded (`KnowledgeBase.digest`), from
 * its files' bytes alone, without parsing or validating them.
 */
export async function readKnowledgeDigest(dir: string): Promise<string> {
  return digestOfTexts(await readKnowledgeTexts(dir));
}

/**
 * The knowledge base last loaded and the text of its files: `serve`'s builder loads it before
 * every build, nearly always unchanged, and parsing and validating a large one is a quarter of a
 * second. Callers treat the knowledge base as read-only, so the same object can serve again.
 */
let lastLoaded: {
  dir: string;
  root: string;
  texts: (string | null)[];
  kb: KnowledgeBase;
  /** Taken from a caller's `recall`: not served to a load that trusts nothing kept. */
  recalled: boolean;
} | null = null;

export interface KnowledgeLoadOptions {
  /**
   * The knowledge base of files with this digest as an earlier load validated it, where the
   * caller kept one (a build's cache): taken instead of parsing and validating the files again,
   * a quarter of a second for a knowledge base of a few thousand entities.
   */
  recall?: (digest: string) => Promise<KnowledgeBase | null>;
}

/** Reads and validates content/knowledge/. Throws a ContentError listing every problem. */
export async function loadKnowledgeBase(
  dir: string,
  root: string,
  options: KnowledgeLoadOptions = {},
): Promise<KnowledgeBase> {
  const rel = (name: string) => path.relative(root, path.join(dir, name)).split(path.sep).join("/");
  const texts = await readKnowledgeTexts(dir);
  const last = lastLoaded;
  if (
    last?.dir === dir &&
    last.root === root &&
    (options.recall || !last.recalled) &&
    texts.every((text, i) => text === last.texts[i])
  ) {
    return last.kb;
  }
  const digest = digestOfTexts(texts);
  // Missing files are reported by parsing, never recalled.
  const recalled =
    texts[0] !== null && texts[1] !== null ? await options.recall?.(digest) : undefined;
  if (recalled?.digest === digest) {
    lastLoaded = { dir, root, texts, kb: recalled, recalled: true };
    return recalled;
  }
  const [entitiesText = null, topicsText = null, rejectedText = null] = texts;
  const entities = parseYaml(
    entitiesText,
    rel(KNOWLEDGE_FILES.entities),
    entitiesFileSchema,
    false,
  );
  const topics = parseYaml(topicsText, rel(KNOWLEDGE_FILES.topics), topicsFileSchema, false);
  const rejected = parseYaml(rejectedText, rel(KNOWLEDGE_FILES.rejected), rejectedFileSchema, true);
  const problems = [...entities.problems, ...topics.problems, ...rejected.problems];
  const seen = new Map<string, string>();
  for (const [index, entity] of (entities.value?.entities ?? []).entries()) {
    const other = seen.get(entity.id);
    if (other !== undefined) {
      problems.push({
        file: rel(KNOWLEDGE_FILES.entities),
        line: entities.lineOf(["entities", index, "id"]),
        field: `entities.${index}.id`,
        message: `"${entity.id}" is already the id of ${other}`,
      });
    }
    seen.set(entity.id, entity.name);
  }
  const topicIds = new Set<string>();
  for (const [index, topic] of (topics.value?.topics ?? []).entries()) {
    if (topicIds.has(topic.id)) {
      problems.push({
        file: rel(KNOWLEDGE_FILES.topics),
        line: topics.lineOf(["topics", index, "id"]),
        field: `topics.${index}.id`,
        message: `"${topic.id}" is defined twice`,
      });
    }
    topicIds.add(topic.id);
    for (const [ruleIndex, rule] of topic.rules.entities.entries()) {
      // With entities.yaml broken, every reference would look unknown: report the cause only.
      if (entities.value && !seen.has(rule.id)) {
        problems.push({
          file: rel(KNOWLEDGE_FILES.topics),
          line: topics.lineOf(["topics", index, "rules", "entities", ruleIndex]),
          field: `topics.${index}.rules.entities.${ruleIndex}.id`,
          message: `unknown entity id "${rule.id}"`,
        });
      }
    }
  }
  if (problems.length > 0 || !entities.value || !topics.value || !rejected.value) {
    throw new ContentError(problems);
  }
  const kb: KnowledgeBase = {
    entities: entities.value.entities,
    topics: topics.value.topics,
    rejected: rejected.value.rejected,
    digest,
  };
  lastLoaded = { dir, root, texts, kb, recalled: false };
  return kb;
}
