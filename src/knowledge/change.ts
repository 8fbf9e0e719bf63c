import { distance } from "fastest-levenshtein";
import { NEAR_MISS_MAX_COST, NEAR_MISS_MIN_LENGTH } from "./analyze.ts";
import { PhraseIndex } from "./matcher.ts";
import type { Entity, KnowledgeBase, Topic } from "./schema.ts";
import { foldPhrase, foldText, tokenize } from "./text.ts";

/**
 * Which articles an edit of the knowledge base can touch. Analysing an article consults the
 * knowledge base only through words of its text (a phrase of the trie, a person's name word near
 * a capitalised token, a name discovery checks against the known and rejected ones) and through
 * the entities and topics it finds. So an article none of whose words meets a changed phrase or
 * name word, and which named no changed entity or topic, is analysed as before, and its cached
 * analysis stays valid. The test errs one way only: it may call an article affected that is not,
 * never the reverse (tests/knowledge/change.test.ts compares it with analysing again on random
 * edits).
 */
export interface KnowledgeChange {
  /** The edit may touch any article (entities reordered, which decides ties): analyse all. */
  everything: boolean;
  /**
   * Entities added or removed or whose name, kind or roles changed (a person also when the titles
   * their roles answer to changed), topics added, removed or edited, and the entities a changed
   * topic's rules name: every article that found one of them is reached.
   */
  ids: ReadonlySet<string>;
  /**
   * Folded, lower-cased words of the phrases an article must contain for the edit to reach it:
   * every phrase of a changed entity before and after, the changed topic phrases, rejected names
   * added or removed, and the parts of changed ids (discovery refuses a name whose id is known).
   */
  phrases: readonly (readonly string[])[];
  /** Person name words (lower-cased) whose owners changed: their glued forms and near misses. */
  personWords: readonly string[];
}

export const NO_CHANGE: KnowledgeChange = {
  everything: false,
  ids: new Set(),
  phrases: [],
  personWords: [],
};

/**
 * Lower case for comparing words: a final sigma becomes a plain one, since lower-casing a whole
 * text and a word of it on its own give different sigmas.
 */
const lower = (text: string) => text.toLowerCase().replaceAll("ς", "σ");

/** The letter-and-digit words of a phrase, folded and lower-cased, as the trie splits them. */
function wordsOf(phrase: string): string[] {
  return tokenize(foldPhrase(phrase))
    .map((token) => lower(token.value))
    .filter((word) => /[\p{L}\p{N}]/u.test(word));
}

function phrasesOfEntity(entity: Entity): string[] {
  return [
    entity.name,
    ...entity.aliases,
    ...entity.misspellings,
    ...entity.descriptions,
    ...entity.roles.flatMap((role) => role.aliases),
  ];
}

const byId = <T extends { id: string }>(items: readonly T[]) =>
  new Map(items.map((item) => [item.id, item]));

/**
 * Ids present in one list only, or whose item differs between the two in the part `readPart`
 * gives, which analysis reads (an entity's description only shows on pages).
 */
function changedIds<T extends { id: string }>(
  before: readonly T[],
  after: readonly T[],
  readPart: (item: T) => unknown = (item) => item,
): string[] {
  const old = byId(before);
  const now = byId(after);
  const read = (item: T | undefined) => JSON.stringify(item === undefined ? null : readPart(item));
  const changed: string[] = [];
  for (const id of new Set([...old.keys(), ...now.keys()])) {
    if (read(old.get(id)) !== read(now.get(id))) changed.push(id);
  }
  return changed;
}

/** Whether the entities both versions have come in the same order (order breaks ties). */
function sameOrder(before: readonly Entity[], after: readonly Entity[]): boolean {
  const inAfter = new Set(after.map((e) => e.id));
  const inBefore = new Set(before.map((e) => e.id));
  const now = after.filter((e) => inBefore.has(e.id));
  // Both lists hold the same ids, those the two versions share.
  return before.filter((e) => inAfter.has(e.id)).every((e, i) => e.id === now[i]?.id);
}

const ownersKey = (owners: ReadonlySet<string> | undefined) =>
  owners ? [...owners].sort().join("\0") : "";

export function knowledgeChange(before: KnowledgeBase, after: KnowledgeBase): KnowledgeChange {
  if (before.digest === after.digest) return NO_CHANGE;
  if (!sameOrder(before.entities, after.entities)) {
    return { ...NO_CHANGE, everything: true };
  }
  const ids = new Set<string>();
  const phrases: string[] = [];
  const entitiesBefore = byId(before.entities);
  const entitiesAfter = byId(after.entities);
  const changedEntity = (id: string) => {
    phrases.push(id.replaceAll("-", " "));
    const versions = [entitiesBefore.get(id), entitiesAfter.get(id)];
    for (const version of versions) if (version) phrases.push(...phrasesOfEntity(version));
    const [old, now] = versions;
    // Its name, kind and roles are read wherever it is found (the name words a near miss starts
    // with, the titles and dates its roles give): every article naming it is reached. Its other
    // phrases only where they are written, which the phrases above cover.
    const wherever = (e: Entity) => [e.name, e.kind, e.roles];
    if (!old || !now || JSON.stringify(wherever(old)) !== JSON.stringify(wherever(now))) {
      ids.add(id);
    }
  };
  const readPart = ({ description: _, ...read }: Entity) => read;
  for (const id of changedIds(before.entities, after.entities, readPart)) changedEntity(id);

  const indexBefore = new PhraseIndex(before);
  const indexAfter = new PhraseIndex(after);
  // A title's core drops the names of places and organisations, so adding one can change which
  // titles a person's roles answer to without that person changing.
  for (const entity of after.entities) {
    if (
      entity.kind === "person" &&
      entitiesBefore.has(entity.id) &&
      indexBefore.titles.rolesKey(entity.id) !== indexAfter.titles.rolesKey(entity.id)
    ) {
      ids.add(entity.id);
    }
  }
  const personWords: string[] = [];
  for (const word of new Set([
    ...indexBefore.personNameTokens.keys(),
    ...indexAfter.personNameTokens.keys(),
  ])) {
    const owners = ownersKey(indexBefore.personNameTokens.get(word));
    if (owners !== ownersKey(indexAfter.personNameTokens.get(word))) personWords.push(lower(word));
  }

  const topicsBefore = byId(before.topics);
  const topicsAfter = byId(after.topics);
  for (const id of changedIds(before.topics, after.topics)) {
    ids.add(id);
    for (const topic of [topicsBefore.get(id), topicsAfter.get(id)] as (Topic | undefined)[]) {
      if (!topic) continue;
      phrases.push(...topic.rules.phrases.map((rule) => rule.text));
      for (const rule of topic.rules.entities) ids.add(rule.id);
    }
  }

  const rejected = (kb: KnowledgeBase) => new Set(kb.rejected.map((r) => r.name));
  const rejectedBefore = rejected(before);
  const rejectedAfter = rejected(after);
  for (const name of rejectedBefore) if (!rejectedAfter.has(name)) phrases.push(name);
  for (const name of rejectedAfter) if (!rejectedBefore.has(name)) phrases.push(name);

  const unique = new Set(phrases.map((phrase) => wordsOf(phrase).join(" ")));
  return {
    everything: false,
    ids,
    phrases: [...unique].map((words) => (words === "" ? [] : words.split(" "))),
    personWords,
  };
}

/**
 * The text the change is checked against, kept with each cached analysis: the folded text the
 * analysis matched, and its NFC form folded when that differs (discovery compares names in
 * normalised form).
 */
export function matchingText(text: string): string {
  const folded = foldText(text).folded;
  const normalised = text.normalize("NFC");
  return normalised === text ? folded : `${folded}\n${foldText(normalised).folded}`;
}

/** What the cache keeps of an article to test it against a change. */
export interface ArticleTrace {
  /** matchingText of the article's plain text. */
  text: string;
  /** Every entity and topic its analysis found, proposed or mentioned (see foundIds). */
  ids: Iterable<string>;
}

/**
 * The ids an article's analysis found: the entities it mentions (detected ones included), the
 * names discovery proposed in it whether or not it kept them (a known id refuses a proposal),
 * and its topics.
 */
export function foundIds(result: {
  analysis: { entities: readonly { id: string }[]; topics: readonly { id: string }[] };
  discovery: { proposed: readonly { id: string }[] };
}): string[] {
  return [
    ...result.analysis.entities.map((e) => e.id),
    ...result.discovery.proposed.map((d) => d.id),
    ...result.analysis.topics.map((t) => t.id),
  ];
}

export function mayAffect(change: KnowledgeChange, article: ArticleTrace): boolean {
  if (change.everything) return true;
  for (const id of article.ids) if (change.ids.has(id)) return true;
  if (change.phrases.length === 0 && change.personWords.length === 0) return false;
  const text = lower(article.text);
  if (change.phrases.some((words) => words.every((word) => text.includes(word)))) return true;
  if (change.personWords.length === 0) return false;
  // A glued form starts with the word itself.
  if (change.personWords.some((word) => text.includes(word))) return true;
  for (const token of tokenize(article.text)) {
    if (token.value.length < NEAR_MISS_MIN_LENGTH || !/^\p{Lu}/u.test(token.value)) continue;
    const candidate = lower(token.value);
    for (const word of change.personWords) {
      if (
        Math.abs(word.length - candidate.length) <= NEAR_MISS_MAX_COST &&
        distance(word, candidate) <= NEAR_MISS_MAX_COST
      ) {
        return true;
      }
    }
  }
  return false;
}
