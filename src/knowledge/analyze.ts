import { distance } from "fastest-levenshtein";
import type { Article } from "../records/index.ts";
import {
  constraintOf,
  dateFlag,
  estimatePeriod,
  type RoleConstraint,
  type RoleModifier,
} from "./dates.ts";
import {
  type ArticleDiscovery,
  type DiscoveryContext,
  discoverInArticle,
  discoveryContext,
  mergeDiscoveries,
  type SentenceMemo,
} from "./discover.ts";
import { PhraseIndex, type PhraseMatch } from "./matcher.ts";
import { compromise } from "./nlp.ts";
import type {
  ArticleAnalysis,
  ArticleEntity,
  ArticleTopic,
  DiscoveredEntity,
  Entity,
  KnowledgeBase,
  Mention,
  Topic,
} from "./schema.ts";
import { foldPhrase, foldText, isGluedAt, type Token, tokenize } from "./text.ts";

interface Span {
  start: number;
  end: number;
}

interface Candidate extends Span {
  match: PhraseMatch;
}

/** Common words a scraper glues to a name ("Kulebasaid"), beyond what the lexicon knows. */
const FUNCTION_WORDS = new Set(
  "said says told added and the was has had is in on at to of for with from who also met called urged".split(
    " ",
  ),
);
/** Lexicon tags of names, not common words: "Hunt" + "ing" is not a glued "Hunt". */
const PROPER_TAG = /Organization|Place|Person|Country|City|Region|FirstName|LastName|Acronym/;
type Lexicon = Record<string, string | string[] | undefined>;
let lexicon: Lexicon | null = null;
const compromiseLexicon = (): Lexicon => {
  lexicon ??=
    (compromise().world() as { model?: { one?: { lexicon?: Lexicon } } }).model?.one?.lexicon ?? {};
  return lexicon;
};

/** A common English word, by compromise's lexicon (inflected forms included). */
function isCommonWord(word: string): boolean {
  if (FUNCTION_WORDS.has(word)) return true;
  const tags = compromiseLexicon()[word];
  if (tags === undefined) return false;
  return !(Array.isArray(tags) ? tags : [tags]).some((tag) => PROPER_TAG.test(tag));
}

/** Between a title and the name it belongs to: nothing, or a first name the knowledge base lacks. */
const TITLE_GAP = /^,?\s+(?:\p{Lu}[\p{L}'.-]*\s+){0,2}$/u;

/** "the administration led by Joe Biden", "the Biden administration": the person is in office. */
const ADMINISTRATION_BEFORE =
  /\b(new\s+|former\s+)?(?:administration|government)\s+(?:led\s+by|of)\s+$/i;
const ADMINISTRATION_AFTER = /^\s+(?:administration|government)\b/i;
const HEAD_ROLE = /president|prime minister|chancellor|premier|leader/i;
const DEPUTY_ROLE = /\b(?:vice|deputy|first vice|second vice)\b|-elect\b/i;

const MODIFIERS: [RegExp, RoleModifier][] = [
  [/(?:^|\s)(?:former|ex-|ex|erstwhile)\s*$/i, "former"],
  [/(?:^|\s)(?:then-|then|late)\s*$/i, "then"],
  [/(?:^|\s)(?:new|newly[- ]appointed|incoming|newly[- ]elected)\s*$/i, "new"],
];

function modifierBefore(folded: string, start: number): RoleModifier {
  const before = folded.slice(Math.max(0, start - 24), start);
  for (const [pattern, modifier] of MODIFIERS) if (pattern.test(before)) return modifier;
  return "current";
}

/** Longest match wins: candidates by length, each kept unless it overlaps a longer one kept. */
function selectLongest(candidates: Candidate[]): Candidate[] {
  const sorted = [...candidates].sort(
    (a, b) => b.end - b.start - (a.end - a.start) || a.start - b.start,
  );
  const chosen: Candidate[] = [];
  for (const c of sorted) {
    if (!chosen.some((k) => overlaps(k, c))) chosen.push(c);
  }
  return chosen.sort((a, b) => a.start - b.start);
}

/** Index of the token that starts at `offset` (tokens are sorted), or -1. */
function tokenAt(tokens: readonly Token[], offset: number): number {
  let low = 0;
  let high = tokens.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const start = (tokens[middle] as Token).start;
    if (start === offset) return middle;
    if (start < offset) low = middle + 1;
    else high = middle - 1;
  }
  return -1;
}

const overlaps = (a: Span, b: Span) => a.start < b.end && b.start < a.end;
const contains = (outer: Span, inner: Span) => outer.start <= inner.start && inner.end <= outer.end;

export interface ArticleExtraction {
  mentions: Mention[];
  constraints: RoleConstraint[];
}

/** Finds every knowledge-base mention in one article's text. */
export function extractMentions(
  text: string,
  date: string | null,
  index: PhraseIndex,
): ArticleExtraction {
  const { folded, toOriginal } = foldText(text);
  const tokens = tokenize(folded);
  const span = (m: PhraseMatch): Span => ({
    start: tokens[m.startToken]?.start ?? 0,
    end: tokens[m.endToken - 1]?.end ?? 0,
  });
  const byLayer = {
    name: [] as Candidate[],
    role: [] as Candidate[],
    description: [] as Candidate[],
  };
  for (const match of index.matchAll(tokens, folded)) {
    const layers = new Set(match.targets.map((t) => t.layer));
    for (const layer of layers) {
      const targets = match.targets.filter((t) => t.layer === layer);
      byLayer[layer].push({ ...span(match), match: { ...match, targets } });
    }
  }
  const names = selectLongest(byLayer.name);
  names.push(...gluedAndNearMisses(tokens, names, index));
  const roles = selectLongest(byLayer.role).filter(
    // A role phrase inside a longer name ("Secretary of State" in "the Secretary of State Building") is not one.
    (r) => !names.some((n) => overlaps(n, r) && !contains(r, n)),
  );
  const descriptions = selectLongest(byLayer.description).filter(
    (d) => !names.some((n) => overlaps(n, d)) && !roles.some((r) => overlaps(r, d)),
  );

  const named = new Set(names.flatMap((n) => n.match.targets.map((t) => t.entityId)));
  const mentions: Mention[] = [];
  const constraints: RoleConstraint[] = [];
  const original = (s: Span) => ({ start: toOriginal[s.start] ?? 0, end: toOriginal[s.end] ?? 0 });
  const push = (s: Span, entityId: string, via: Mention["via"]) => {
    const { start, end } = original(s);
    mentions.push({ entityId, start, end, surface: text.slice(start, end), via });
  };

  for (const n of names) {
    const target = n.match.targets[0];
    if (!target) continue;
    const written = folded.slice(n.start, n.end);
    const entity = index.entities.get(target.entityId);
    const listed =
      entity && [entity.name, ...entity.aliases].some((name) => foldPhrase(name) === written);
    const glued =
      (target.via === "name" || target.via === "alias") &&
      (isGluedAt(folded, n.start, n.end) || (!listed && /\p{Ll}\p{Lu}/u.test(written)));
    push(n, target.entityId, glued ? "glued" : target.via);
  }

  const day = date?.slice(0, 10) ?? null;
  /** A title in apposition dates the text: "new US State Secretary Mike Pompeo" fits April 2018. */
  const addTitleConstraint = (
    entity: Entity,
    roleIndexes: readonly number[],
    modifier: RoleModifier,
    evidence: Span,
  ) => {
    const held = entity.roles.filter((_, i) => roleIndexes.includes(i));
    const period = constraintOf(held, modifier);
    if (!period || !held[0]) return;
    const words = original(evidence);
    const prefix =
      modifier === "current"
        ? ""
        : `${
            folded
              .slice(Math.max(0, evidence.start - 24), evidence.start)
              .split(/\s+/)
              .filter(Boolean)
              .at(-1) ?? ""
          } `;
    constraints.push({
      person: entity.name,
      role: held[0].role,
      evidence: `${prefix}${text.slice(words.start, words.end)}`.trim(),
      from: period.from,
      to: period.to,
      periods: period.periods,
      term: {
        from: held.map((h) => h.from).sort()[0] ?? period.from,
        to: held.some((h) => h.to === null)
          ? null
          : (held
              .map((h) => h.to ?? "")
              .sort()
              .at(-1) ?? null),
      },
    });
  };
  const titled = new Set<Candidate>();
  for (const r of roles) {
    const modifier = modifierBefore(folded, r.start);
    // A title right before a name is part of the name ("US Secretary of State Mike Pompeo"): it is
    // evidence of when the text was written, not a second mention.
    const next = names.find((n) => n.start > r.end && TITLE_GAP.test(folded.slice(r.end, n.start)));
    const holder = next?.match.targets.find((t) =>
      r.match.targets.some((rt) => rt.entityId === t.entityId),
    );
    if (next && holder) {
      const entity = index.entities.get(holder.entityId);
      const roleIndexes = r.match.targets
        .filter((t) => t.entityId === holder.entityId)
        .map((t) => t.roleIndex ?? -1);
      if (entity)
        addTitleConstraint(entity, roleIndexes, modifier, { start: r.start, end: next.end });
      titled.add(next);
      continue;
    }
    if (modifier === "former" || modifier === "then") continue;
    // Otherwise the phrase stands in for the holder on the article's date, if the article names them.
    const holders = r.match.targets.filter((t) => {
      if (!named.has(t.entityId)) return false;
      const role = index.entities.get(t.entityId)?.roles[t.roleIndex ?? -1];
      if (!role) return false;
      return day === null || (role.from <= day && (role.to === null || day <= role.to));
    });
    const unique = [...new Set(holders.map((h) => h.entityId))];
    if (unique.length === 1 && unique[0]) {
      const withArticle = /(?:^|\s)the\s$/i.test(folded.slice(Math.max(0, r.start - 4), r.start));
      push(withArticle ? { start: r.start - 4, end: r.end } : r, unique[0], "role");
    }
  }
  // Titles the knowledge base does not list word for word: "President Ashraf Ghani".
  for (const n of names) {
    const target = n.match.targets[0];
    const entity = target ? index.entities.get(target.entityId) : undefined;
    if (titled.has(n) || entity?.kind !== "person" || entity.roles.length === 0) continue;
    const nameStart = tokenAt(tokens, n.start);
    const title =
      nameStart > 0 ? index.titles.titleBefore(entity.id, tokens, folded, nameStart) : null;
    if (title)
      addTitleConstraint(entity, title.roleIndexes, modifierBefore(folded, title.start), {
        start: title.start,
        end: n.end,
      });
  }
  for (const n of names) {
    const target = n.match.targets[0];
    const entity = target ? index.entities.get(target.entityId) : undefined;
    if (entity?.kind !== "person") continue;
    const before = ADMINISTRATION_BEFORE.exec(folded.slice(Math.max(0, n.start - 40), n.start));
    const after = ADMINISTRATION_AFTER.test(folded.slice(n.end, n.end + 20));
    if (!before && !after) continue;
    const modifier: RoleModifier =
      before?.[1]?.trim().toLowerCase() === "new" ||
      /\bnew\s+$/i.test(folded.slice(Math.max(0, n.start - 8), n.start))
        ? "new"
        : before?.[1]?.trim().toLowerCase() === "former"
          ? "former"
          : "current";
    const held = entity.roles.filter(
      (role) => HEAD_ROLE.test(role.role) && !DEPUTY_ROLE.test(role.role),
    );
    const period = constraintOf(held, modifier);
    if (!period || !held[0]) continue;
    const evidenceStart = before ? n.start - before[0].length : n.start;
    const evidenceEnd = after
      ? n.end + (ADMINISTRATION_AFTER.exec(folded.slice(n.end))?.[0].length ?? 0)
      : n.end;
    const evidence = original({ start: evidenceStart, end: evidenceEnd });
    constraints.push({
      person: entity.name,
      role: held[0].role,
      evidence: text.slice(evidence.start, evidence.end).trim(),
      from: period.from,
      to: period.to,
      periods: period.periods,
      term: { from: held[0].from, to: held[0].to },
    });
  }
  for (const d of descriptions) {
    const target = d.match.targets.find((t) => named.has(t.entityId));
    if (target) push(d, target.entityId, "description");
  }
  mentions.sort((a, b) => a.start - b.start || b.end - a.end);
  return { mentions, constraints };
}

/**
 * "Kulebasaid", "Blinkenwarned": a person's name word followed by a common lower-case word, where
 * the whole is not itself a word ("Hunting" is not Hunt). Longest name first.
 */
function gluedName(
  value: string,
  person: (word: string) => string | undefined,
): { length: number; owner: string } | null {
  if (!/^\p{Lu}\p{Ll}+$/u.test(value) || isCommonWord(value.toLowerCase())) return null;
  for (let split = value.length - 2; split >= 4; split -= 1) {
    const owner = person(value.slice(0, split));
    if (owner && isCommonWord(value.slice(split))) return { length: split, owner };
  }
  return null;
}

/** Near misses are tried for capitalised tokens of at least this many characters… */
export const NEAR_MISS_MIN_LENGTH = 6;
/** …and are at most this many edits from a person's name word (one below nine characters). */
export const NEAR_MISS_MAX_COST = 2;

/**
 * Names the trie cannot see: a known name glued to a word ("Kulebasaid") or misspelt by a letter or
 * two ("Sassouli", "Stoltenburg"). Only capitalised tokens are tried, against people's name words,
 * with an edit distance bounded by length, so ordinary words never match.
 */
function gluedAndNearMisses(
  tokens: readonly Token[],
  names: Candidate[],
  index: PhraseIndex,
): Candidate[] {
  const found: Candidate[] = [];
  const covered = (t: Token) => names.some((n) => n.start <= t.start && t.end <= n.end);
  const person = (word: string) => {
    const owners = index.personNameTokens.get(word);
    return owners && owners.size === 1 ? [...owners][0] : undefined;
  };
  const candidate = (
    i: number,
    start: number,
    end: number,
    entityId: string,
    via: "glued" | "fuzzy",
  ) => ({
    start,
    end,
    match: { startToken: i, endToken: i + 1, targets: [{ entityId, via, layer: "name" as const }] },
  });
  tokens.forEach((token, i) => {
    // Most tokens are lower-case: tested first, the scan of the names is rarely needed.
    if (!/^\p{Lu}/u.test(token.value) || covered(token)) return;
    const glued = gluedName(token.value, person);
    if (glued) {
      found.push(candidate(i, token.start, token.start + glued.length, glued.owner, "glued"));
      return;
    }
    if (token.value.length < NEAR_MISS_MIN_LENGTH) return;
    const best = nearestPersonWord(token.value, index);
    if (best) {
      // Include a first name right before the misspelt surname: "David Sassouli" is one mention.
      const previous = tokens[i - 1];
      const entity = index.entities.get(best.id);
      const firstName = entity?.name.split(/\s+/)[0];
      const start =
        previous && previous.value === firstName && token.start - previous.end === 1
          ? previous.start
          : token.start;
      found.push(candidate(i, start, token.end, best.id, "fuzzy"));
    }
  });
  return found;
}

/**
 * The person name word nearest to `value` within the edit bound of its length (two edits from
 * nine characters, else one), the first the knowledge base lists among equally near ones.
 */
function nearestPersonWord(value: string, index: PhraseIndex): { id: string; cost: number } | null {
  let best: { id: string; cost: number; order: number } | null = null;
  const initial = value[0] as string;
  for (
    let length = value.length - NEAR_MISS_MAX_COST;
    length <= value.length + NEAR_MISS_MAX_COST;
    length += 1
  ) {
    const limit = length >= 9 ? NEAR_MISS_MAX_COST : 1;
    // Words further apart in length than the bound are further apart in edits too.
    if (Math.abs(length - value.length) > limit) continue;
    for (const { word, owner, order } of index.personWords(initial, length)) {
      const cost = distance(word, value);
      if (cost === 0 || cost > limit) continue;
      if (!best || cost < best.cost || (cost === best.cost && order < best.order)) {
        best = { id: owner, cost, order };
      }
    }
  }
  return best;
}

function summarise(mentions: readonly Mention[], discovered: ReadonlySet<string>): ArticleEntity[] {
  const byId = new Map<string, ArticleEntity>();
  for (const m of mentions) {
    const entry = byId.get(m.entityId) ?? {
      id: m.entityId,
      mentions: 0,
      surfaceForms: [],
      discovered: discovered.has(m.entityId),
    };
    entry.mentions += 1;
    if (!entry.surfaceForms.includes(m.surface)) entry.surfaceForms.push(m.surface);
    byId.set(m.entityId, entry);
  }
  return [...byId.values()].sort((a, b) => b.mentions - a.mentions || a.id.localeCompare(b.id));
}

interface CompiledPhrase {
  pattern: RegExp;
  weight: number;
  /**
   * The phrase's first word, lower-cased, when it is plain ASCII: the phrase can only occur in a
   * text that has this word, so most of a large topic list is never scanned for. Null: always
   * scanned (a phrase opening with a mark or a letter case-insensitive matching treats specially).
   */
  firstWord: string | null;
}

interface CompiledTopic {
  topic: Topic;
  phrases: CompiledPhrase[];
}

const WORD_RUN = /[\p{L}\p{N}]+/gu;

function compileTopics(kb: KnowledgeBase): CompiledTopic[] {
  return kb.topics.map((topic) => ({
    topic,
    phrases: topic.rules.phrases.map((rule) => {
      const folded = foldPhrase(rule.text);
      const first = /^[\p{L}\p{N}]+/u.exec(folded)?.[0] ?? "";
      return {
        pattern: new RegExp(
          `(?<![\\p{L}\\p{N}])${folded
            .replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
            .replace(/\s+/g, "\\s+")}(?![\\p{L}\\p{N}])`,
          "iu",
        ),
        weight: rule.weight,
        firstWord: /^[A-Za-z0-9]+$/.test(first) ? first.toLowerCase() : null,
      };
    }),
  }));
}

/**
 * The words of a folded text, lower-cased. A phrase whose first word is plain ASCII matches only
 * where a whole word of the text is that word in some case: the pattern wants no letter or digit
 * on either side of it, and folding leaves no character that matches an ASCII letter only
 * case-insensitively (the Kelvin sign, the long s) unfolded.
 */
function wordsOf(folded: string): Set<string> {
  const words = new Set<string>();
  for (const run of folded.matchAll(WORD_RUN)) words.add(run[0].toLowerCase());
  return words;
}

function scoreTopics(
  text: string,
  entities: readonly ArticleEntity[],
  topics: readonly CompiledTopic[],
  names: ReadonlyMap<string, string>,
): ArticleTopic[] {
  const { folded, toOriginal } = foldText(text);
  const words = wordsOf(folded);
  const present = new Set(entities.map((e) => e.id));
  const ranked: ArticleTopic[] = [];
  for (const { topic, phrases } of topics) {
    let score = 0;
    const evidence: string[] = [];
    for (const phrase of phrases) {
      if (phrase.firstWord !== null && !words.has(phrase.firstWord)) continue;
      const match = phrase.pattern.exec(folded);
      if (!match) continue;
      score += phrase.weight;
      const start = toOriginal[match.index] ?? 0;
      const end = toOriginal[match.index + match[0].length] ?? start;
      evidence.push(text.slice(start, end));
    }
    for (const rule of topic.rules.entities) {
      if (!present.has(rule.id)) continue;
      score += rule.weight;
      evidence.push(names.get(rule.id) ?? rule.id);
    }
    if (score >= topic.threshold) ranked.push({ id: topic.id, score, evidence });
  }
  return ranked.sort((a, b) => b.score - a.score || a.id.localeCompare(b.id));
}

export interface CorpusAnalysis<A extends Pick<ArticleAnalysis, "discovered"> = ArticleAnalysis> {
  analyses: Map<string, A>;
  discovered: DiscoveredEntity[];
}

export interface AnalyzeOptions {
  /** Propose entities the knowledge base lacks (slower; on by default). */
  discover?: boolean;
  /** Called as articles are analysed, for progress reports on large archives. */
  onProgress?: (done: number, total: number) => void;
}

/** Mentions of one article with knowledge-base entities only; what tests and tools call directly. */
export function findMentions(text: string, date: string | null, kb: KnowledgeBase): Mention[] {
  return extractMentions(text, date, new PhraseIndex(kb)).mentions;
}

/** Everything derived from the knowledge base that analysing an article needs, built once. */
export interface Analyzer {
  index: PhraseIndex;
  topics: CompiledTopic[];
  names: Map<string, string>;
  discovery: DiscoveryContext;
  discover: boolean;
}

export function createAnalyzer(kb: KnowledgeBase, options: { discover?: boolean } = {}): Analyzer {
  return {
    index: new PhraseIndex(kb),
    topics: compileTopics(kb),
    names: new Map(kb.entities.map((e) => [e.id, e.name])),
    discovery: discoveryContext(kb),
    discover: options.discover !== false,
  };
}

/**
 * One article's analysis: it depends on the article and the knowledge base only, so it can be
 * cached under their hashes and computed in any order or thread. The discovered entities it
 * introduces carry this article's spelling until `combineAnalyses` settles them archive-wide.
 */
export interface ArticleResult {
  analysis: ArticleAnalysis;
  discovery: ArticleDiscovery;
}

export function analyzeArticle(
  article: Pick<Article, "text" | "date">,
  analyzer: Analyzer,
  memo?: SentenceMemo,
): ArticleResult {
  const extraction = extractMentions(article.text, article.date, analyzer.index);
  const discovery: ArticleDiscovery = analyzer.discover
    ? discoverInArticle(article.text, extraction.mentions, analyzer.discovery, memo)
    : { proposed: [], mentions: [] };
  const mentions = [...extraction.mentions, ...discovery.mentions].sort(
    (a, b) => a.start - b.start || b.end - a.end,
  );
  const introduced = new Set(discovery.mentions.map((m) => m.entityId));
  const entities = summarise(mentions, introduced);
  return {
    analysis: {
      mentions,
      entities,
      discovered: discovery.proposed
        .filter((d) => introduced.has(d.id))
        .sort((a, b) => a.id.localeCompare(b.id)),
      topics: scoreTopics(article.text, entities, analyzer.topics, analyzer.names),
      dateFlag: article.date ? dateFlag(article.date, extraction.constraints) : null,
      estimatedPeriod: article.date ? null : estimatePeriod(extraction.constraints),
    },
    discovery,
  };
}

/**
 * The archive's view of per-article results, given in article order. Generic over the analysis,
 * which the archive keeps without its mentions.
 */
export function combineAnalyses<A extends Pick<ArticleAnalysis, "discovered">>(
  results: Iterable<[string, { analysis: A; discovery: ArticleDiscovery }]>,
): CorpusAnalysis<A> {
  const entries = [...results];
  const discovered = mergeDiscoveries(entries.map(([, result]) => result.discovery));
  const settled = new Map(discovered.map((d) => [d.id, d]));
  const analyses = new Map<string, A>();
  for (const [id, { analysis }] of entries) {
    analyses.set(
      id,
      analysis.discovered.length === 0
        ? analysis
        : {
            ...analysis,
            discovered: analysis.discovered.map((d) => settled.get(d.id) ?? d),
          },
    );
  }
  return { analyses, discovered };
}

export function analyzeCorpus(
  articles: readonly Article[],
  kb: KnowledgeBase,
  options: AnalyzeOptions = {},
): CorpusAnalysis {
  const analyzer = createAnalyzer(kb, options);
  return combineAnalyses(
    articles.map((article, i) => {
      options.onProgress?.(i, articles.length);
      return [article.id, analyzeArticle(article, analyzer)];
    }),
  );
}
