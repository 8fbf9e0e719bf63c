import type Compromise from "compromise";
import type { EntityKind } from "../records/index.ts";
import { compromise } from "./nlp.ts";
import type { DiscoveredEntity, KnowledgeBase, Mention } from "./schema.ts";
import { foldPhrase } from "./text.ts";

/**
 * Names the knowledge base lacks. compromise proposes people, places and organizations; general
 * filters (titles, dates, demonyms, single words that only start a sentence, rejected names) and
 * the knowledge base decide. A discovered person's later surname-only mentions in the same
 * article are merged into them.
 */

const TITLE_WORDS = new Set(
  "president minister secretary general spokesman spokeswoman ambassador envoy chief commander prime foreign defense defence state deputy senator governor king queen prince mullah sheikh chancellor representative special former new mr mrs ms dr gen lt col adm sgt the a an of and said".split(
    " ",
  ),
);
const CALENDAR =
  /^(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|february|march|april|may|june|july|august|september|october|november|december)$/i;
/** Adjectives of nationality and region: never entities by themselves. */
const DEMONYM = /(?:an|ian|ese|ish|i|ic)$/;

/** A name compromise or a pattern proposed in a sentence, at an offset in that sentence. */
export interface Proposal {
  text: string;
  start: number;
  kind: EntityKind;
}

/**
 * The proposals of the sentences an article's discovery tagged, by each sentence's offset in the
 * article's text. They depend on the sentence's text alone, never on the knowledge base, so a
 * build analysing the same text again after a knowledge-base edit recalls them (`earlier`)
 * instead of tagging again, which is most of an analysis's cost; `tagged` collects, for the next
 * time, every sentence this analysis looked at. Offsets identify sentences because the text is
 * the same: the cache keys analyses by the article's bytes and the code that splits sentences.
 */
export interface SentenceMemo {
  earlier: ReadonlyMap<number, readonly Proposal[]>;
  tagged: Map<number, readonly Proposal[]>;
}

function slug(name: string): string {
  return foldPhrase(name)
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 80)
    .replace(/-+$/, "");
}

interface OffsetTerm {
  text: string;
  offset: { start: number; length: number };
}

/**
 * Sentences worth tagging: those with a capitalised word (other than the first) that no known
 * mention covers. Tagging is most of the cost of discovery, and most sentences of an archive name
 * only entities the knowledge base already has.
 */
function unexplainedSentences(
  text: string,
  taken: (start: number, end: number) => boolean,
): { start: number; text: string }[] {
  const sentences: { start: number; text: string }[] = [];
  for (const sentence of text.matchAll(/[^.!?\n]+(?:[.!?]+["”’)]*|\n|$)/g)) {
    const body = sentence[0];
    const start = sentence.index;
    const firstWord = /^\s*\S+/.exec(body)?.[0].length ?? 0;
    for (const word of body.matchAll(/\p{Lu}[\p{L}'’-]+/gu)) {
      const at = start + word.index;
      if (word.index < firstWord || taken(at, at + word[0].length)) continue;
      if (TITLE_WORDS.has(word[0].toLowerCase()) || CALENDAR.test(word[0])) continue;
      sentences.push({ start, text: body });
      break;
    }
  }
  return sentences;
}

const NAME = "((?:\\p{Lu}[\\p{Ll}'’-]+\\s+){1,2}\\p{Lu}[\\p{Ll}'’-]+)";
/** News introduces people by a title before the name or a verb of saying after it. */
const PERSON_PATTERNS = [
  new RegExp(
    `\\b(?:spokes(?:man|woman|person)|minister|secretary|president|ambassador|envoy|commander|general|chief|leader|official|adviser|advisor|governor|director|analyst|researcher|journalist|correspondent|senator|lawmaker|mayor)\\s+${NAME}`,
    "gu",
  ),
  new RegExp(`${NAME},?\\s+(?:said|says|told|added|stated|wrote|tweeted|warned|insisted)\\b`, "gu"),
];
const NOT_A_FIRST_NAME = new Set([
  "The",
  "A",
  "An",
  "This",
  "That",
  "These",
  "Those",
  "But",
  "And",
  "In",
  "On",
  "At",
  "For",
  "When",
  "While",
  "After",
  "Before",
  "Officials",
  "Sources",
]);

function patternProposals(text: string): Proposal[] {
  const found: Proposal[] = [];
  for (const pattern of PERSON_PATTERNS) {
    for (const match of text.matchAll(pattern)) {
      const name = match[1];
      if (!name || NOT_A_FIRST_NAME.has(name.split(/\s+/)[0] ?? "")) continue;
      found.push({ text: name, start: match.index + match[0].indexOf(name), kind: "person" });
    }
  }
  return found;
}

/**
 * Tagging a sentence with compromise is most of discovery's cost, and its proposals depend on the
 * sentence's text alone, so a sentence seen again (wire copy, boilerplate, updated versions of a
 * story) is looked up instead of tagged again. Bounded so a long build's memory stays flat.
 */
const PROPOSAL_CACHE_SIZE = 5_000;
const proposalCache = new Map<string, readonly Proposal[]>();

function cachedProposals(text: string): readonly Proposal[] {
  const hit = proposalCache.get(text);
  if (hit) return hit;
  const found = proposals(text);
  if (proposalCache.size >= PROPOSAL_CACHE_SIZE) {
    // Maps iterate in insertion order: the first key is the oldest entry.
    const oldest = proposalCache.keys().next();
    if (!oldest.done) proposalCache.delete(oldest.value);
  }
  proposalCache.set(text, found);
  return found;
}

/**
 * compromise's steps after tokenizing, less the last: grouping words into phrase chunks, which
 * people(), organizations() and places() never read (checked on 40,000 sentences: same spans) and
 * which cost about a tenth of the tagging.
 */
let taggingSteps: readonly string[] | null = null;

/** A sentence tagged by compromise. Its steps are a setting of the library's one global world. */
function tagged(text: string): ReturnType<typeof Compromise> {
  const nlp = compromise();
  taggingSteps ??= nlp.hooks().filter((step) => step !== "chunks");
  const world = nlp.world() as { hooks: readonly string[] };
  const usual = world.hooks;
  world.hooks = taggingSteps;
  try {
    return nlp(text);
  } finally {
    world.hooks = usual;
  }
}

function proposals(text: string): Proposal[] {
  const doc = tagged(text);
  const found: Proposal[] = [];
  const collect = (view: { json: (o: object) => unknown }, kind: EntityKind) => {
    for (const item of view.json({ offset: true, terms: { offset: true } }) as {
      terms: OffsetTerm[];
    }[]) {
      const first = item.terms[0];
      const last = item.terms.at(-1);
      if (!first || !last) continue;
      const start = first.offset.start;
      const end = last.offset.start + last.offset.length;
      found.push({ text: text.slice(start, end), start, kind });
    }
  };
  // Each finder matches only terms carrying its tag, and looking costs a tenth of the tagging:
  // skipped where no term has it (most sentences lack a person, many a place or organization).
  const tags = new Set<string>();
  for (const terms of doc.docs)
    for (const term of terms) for (const tag of term.tags ?? []) tags.add(tag);
  if (tags.has("Person")) collect(doc.people(), "person");
  if (tags.has("Organization")) collect(doc.organizations(), "organization");
  if (tags.has("Place") || tags.has("Address")) collect(doc.places(), "place");
  return [...found, ...patternProposals(text)];
}

/** Strips possessives, brackets and leading titles; returns null when nothing name-like is left. */
function cleanName(raw: string, kind: EntityKind): { name: string; offset: number } | null {
  const words = raw.split(/\s+/);
  let offset = 0;
  while (
    words.length > 0 &&
    TITLE_WORDS.has((words[0] ?? "").toLowerCase().replace(/[^a-z]/g, ""))
  ) {
    offset += (words.shift()?.length ?? 0) + 1;
  }
  let name = words
    .join(" ")
    .replace(/['’]s$/, "")
    .replace(/[.,;:!?"“”)(\]]+$/, "");
  name = name.replace(/^["“([]+/, "");
  if (name.length < 3) return null;
  const tokens = name.split(/\s+/);
  if (
    !tokens.every(
      (t) => /^[\p{Lu}][\p{L}'’.-]*$/u.test(t) || /^(?:al|bin|de|der|van|von|da|di|la|le)$/.test(t),
    )
  ) {
    return null;
  }
  if (tokens.some((t) => CALENDAR.test(t))) return null;
  if (tokens.length === 1 && (DEMONYM.test(name.toLowerCase()) || kind === "person")) return null;
  if (tokens.every((t) => TITLE_WORDS.has(t.toLowerCase()))) return null;
  return { name, offset: raw.indexOf(name, offset) };
}

/** What discovery needs from the knowledge base, derived once per build rather than per article. */
export interface DiscoveryContext {
  rejected: ReadonlySet<string>;
  knownIds: ReadonlySet<string>;
  knownNames: ReadonlySet<string>;
}

export function discoveryContext(kb: KnowledgeBase): DiscoveryContext {
  return {
    rejected: new Set(kb.rejected.map((r) => foldPhrase(r.name).toLowerCase())),
    knownIds: new Set(kb.entities.map((e) => e.id)),
    knownNames: new Set(
      kb.entities.flatMap((e) =>
        [e.name, ...e.aliases, ...e.misspellings].map((n) => foldPhrase(n).toLowerCase()),
      ),
    ),
  };
}

/**
 * One article's share of discovery, independent of every other article so it can be cached and
 * computed in parallel: the names it proposes, in the order it proposes them, and its mentions.
 */
export interface ArticleDiscovery {
  proposed: DiscoveredEntity[];
  mentions: Mention[];
}

export function discoverInArticle(
  text: string,
  known: readonly Mention[],
  context: DiscoveryContext,
  memo?: SentenceMemo,
): ArticleDiscovery {
  const { rejected, knownIds, knownNames } = context;
  const taken = (start: number, end: number) => known.some((m) => m.start < end && start < m.end);
  const proposedById = new Map<string, DiscoveredEntity>();
  const found: Mention[] = [];
  const surnames = new Map<string, string>();
  const proposed = unexplainedSentences(text, taken).flatMap((sentence) => {
    const found = memo?.earlier.get(sentence.start) ?? cachedProposals(sentence.text);
    memo?.tagged.set(sentence.start, found);
    return found.map((p) => ({ ...p, start: p.start + sentence.start }));
  });
  for (const proposal of proposed) {
    const cleaned = cleanName(proposal.text, proposal.kind);
    if (!cleaned) continue;
    const start = proposal.start + Math.max(0, cleaned.offset);
    const end = start + cleaned.name.length;
    if (text.slice(start, end) !== cleaned.name || taken(start, end)) continue;
    const folded = foldPhrase(cleaned.name).toLowerCase();
    if (rejected.has(folded) || knownNames.has(folded)) continue;
    // A sentence-initial single word is capitalised by grammar, not because it is a name.
    const sentenceStart = /(?:^|[.!?]["”]?\s+|\n\n)$/.test(
      text.slice(Math.max(0, start - 4), start),
    );
    if (!cleaned.name.includes(" ") && sentenceStart) continue;
    const id = slug(cleaned.name);
    if (!id || knownIds.has(id)) continue;
    if (!proposedById.has(id))
      proposedById.set(id, { id, name: cleaned.name, kind: proposal.kind });
    if (found.some((m) => m.start < end && start < m.end)) continue;
    found.push({ entityId: id, start, end, surface: cleaned.name, via: "discovered" });
    if (proposal.kind === "person") surnames.set(cleaned.name.split(/\s+/).at(-1) ?? "", id);
  }
  for (const [surname, id] of surnames) {
    if (surname.length < 3) continue;
    for (const match of text.matchAll(
      new RegExp(`(?<![\\p{L}\\p{N}])${surname}(?![\\p{L}\\p{N}])`, "gu"),
    )) {
      const start = match.index;
      const end = start + surname.length;
      if (taken(start, end) || found.some((m) => m.start < end && start < m.end)) continue;
      found.push({ entityId: id, start, end, surface: surname, via: "discovered" });
    }
  }
  return {
    proposed: [...proposedById.values()],
    mentions: found.sort((a, b) => a.start - b.start),
  };
}

/**
 * The archive's discovered entities: a name first proposed earlier in article order keeps its
 * spelling and kind; a proposal no article ended up mentioning is dropped.
 */
export function mergeDiscoveries(perArticle: Iterable<ArticleDiscovery>): DiscoveredEntity[] {
  const first = new Map<string, DiscoveredEntity>();
  const used = new Set<string>();
  for (const discovery of perArticle) {
    for (const entity of discovery.proposed)
      if (!first.has(entity.id)) first.set(entity.id, entity);
    for (const mention of discovery.mentions) used.add(mention.entityId);
  }
  return [...first.values()].filter((d) => used.has(d.id)).sort((a, b) => a.id.localeCompare(b.id));
}
