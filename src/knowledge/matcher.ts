import type { Entity, KnowledgeBase, MentionVia } from "./schema.ts";
import { foldPhrase, type Token, tokenize } from "./text.ts";
import { TitleIndex } from "./titles.ts";

/**
 * A token trie over every phrase of the knowledge base, built once per knowledge base. Looking up
 * an article costs a few map reads per token whatever the number of entities, so extraction stays
 * linear in archive size.
 */

export type PhraseLayer = "name" | "role" | "description";

export interface PhraseTarget {
  entityId: string;
  via: MentionVia;
  layer: PhraseLayer;
  /** For role phrases: index of the role in the entity's roles. */
  roleIndex?: number;
}

interface TrieNode {
  next: Map<string, TrieNode>;
  targets: PhraseTarget[];
}

export interface PhraseMatch {
  startToken: number;
  endToken: number;
  targets: PhraseTarget[];
}

const newNode = (): TrieNode => ({ next: new Map(), targets: [] });

/** Acronyms and initials keep their case ("US" is not "us"); other words of role phrases need not. */
const isCaseSignificant = (token: string) => /^\p{Lu}{2,}$/u.test(token) || /^\p{Lu}$/u.test(token);

/**
 * Case policy. Names match as written, except a first word written in lower case may start a
 * sentence ("von der Leyen" / "Von der Leyen"). Role and description phrases are common nouns, so
 * any case matches but for acronyms.
 */
function tokenKeys(tokens: string[], layer: PhraseLayer): string[] {
  return tokens.map((token, index) => {
    if (layer === "name") {
      return index === 0 && /^\p{Ll}/u.test(token) ? `~${token.toLowerCase()}` : token;
    }
    return isCaseSignificant(token) ? token : `~${token.toLowerCase()}`;
  });
}

/** A person's name word, with its place in the order the knowledge base lists them. */
export interface PersonWord {
  word: string;
  owner: string;
  order: number;
}

const wordGroup = (initial: string, length: number) => `${initial}${length}`;

export class PhraseIndex {
  private readonly root = newNode();
  /** Single-word name tokens of people ("Kuleba", "Stoltenberg") for glued and near-miss forms. */
  readonly personNameTokens = new Map<string, Set<string>>();
  readonly entities: ReadonlyMap<string, Entity>;
  /** Titles before people's names that the phrases above do not list ("President Ashraf Ghani"). */
  readonly titles: TitleIndex;
  /**
   * Unambiguous person name words grouped by their first UTF-16 unit and their length, each with
   * its place in the insertion order of `personNameTokens`. Near-miss matching only compares words
   * with the same first letter and a length within its edit bound, so it reads a few small groups
   * per capitalised token instead of every name word of the knowledge base.
   */
  private readonly personWordGroups = new Map<string, PersonWord[]>();

  constructor(kb: KnowledgeBase) {
    this.entities = new Map(kb.entities.map((e) => [e.id, e]));
    this.titles = new TitleIndex(kb);
    for (const entity of kb.entities) {
      this.add(entity.name, { entityId: entity.id, via: "name", layer: "name" });
      for (const alias of entity.aliases)
        this.add(alias, { entityId: entity.id, via: "alias", layer: "name" });
      for (const wrong of entity.misspellings) {
        this.add(wrong, { entityId: entity.id, via: "misspelling", layer: "name" });
      }
      if (entity.kind === "person") {
        for (const name of [entity.name, ...entity.aliases]) {
          for (const word of foldPhrase(name).split(/\s+/)) {
            if (word.length >= 4 && /^\p{Lu}/u.test(word)) {
              const owners = this.personNameTokens.get(word) ?? new Set<string>();
              owners.add(entity.id);
              this.personNameTokens.set(word, owners);
            }
          }
        }
      }
      for (const description of entity.descriptions) {
        this.add(description, { entityId: entity.id, via: "description", layer: "description" });
      }
      entity.roles.forEach((role, roleIndex) => {
        for (const alias of role.aliases) {
          this.add(alias, { entityId: entity.id, via: "role", layer: "role", roleIndex });
        }
      });
    }
    let order = 0;
    for (const [word, owners] of this.personNameTokens) {
      const [owner] = owners;
      if (owners.size !== 1 || owner === undefined) continue;
      const key = wordGroup(word[0] as string, word.length);
      const group = this.personWordGroups.get(key) ?? [];
      group.push({ word, owner, order });
      order += 1;
      this.personWordGroups.set(key, group);
    }
  }

  /** Unambiguous person name words starting with `initial` and `length` units long. */
  personWords(initial: string, length: number): readonly PersonWord[] {
    return this.personWordGroups.get(wordGroup(initial, length)) ?? [];
  }

  private add(phrase: string, target: PhraseTarget): void {
    const tokens = tokenize(foldPhrase(phrase)).map((t) => t.value);
    if (tokens.length === 0) return;
    let node = this.root;
    for (const key of tokenKeys(tokens, target.layer)) {
      let child = node.next.get(key);
      if (!child) {
        child = newNode();
        node.next.set(key, child);
      }
      node = child;
    }
    const duplicate = node.targets.some(
      (t) =>
        t.entityId === target.entityId &&
        t.layer === target.layer &&
        t.roleIndex === target.roleIndex,
    );
    if (!duplicate) node.targets.push(target);
  }

  /**
   * Every phrase that starts at each token, longest first. Phrases must be contiguous in the text
   * except for single spaces between words, so "U.S." does not match "U. S. forces".
   */
  matchAll(tokens: readonly Token[], folded: string): PhraseMatch[] {
    const matches: PhraseMatch[] = [];
    // One lower-cased key per token, not one per trie branch visited.
    const loose = tokens.map((t) => `~${t.value.toLowerCase()}`);
    for (let i = 0; i < tokens.length; i += 1) {
      const found: PhraseMatch[] = [];
      this.walk(this.root, i, i, tokens, loose, folded, found);
      found.sort((a, b) => b.endToken - a.endToken);
      for (const match of found) matches.push(match);
    }
    return matches;
  }

  /** Depth-first over the trie from token `j` of a phrase that started at token `i`. */
  private walk(
    node: TrieNode,
    i: number,
    j: number,
    tokens: readonly Token[],
    loose: readonly string[],
    folded: string,
    found: PhraseMatch[],
  ): void {
    if (node.targets.length > 0 && j > i)
      found.push({ startToken: i, endToken: j, targets: node.targets });
    const token = tokens[j];
    if (!token) return;
    if (j > i) {
      // Only nothing or one plain space may separate the words of a phrase.
      const end = (tokens[j - 1] as Token).end;
      const gap = token.start - end;
      if (gap !== 0 && !(gap === 1 && folded[end] === " ")) return;
    }
    const exact = node.next.get(token.value);
    if (exact) this.walk(exact, i, j + 1, tokens, loose, folded, found);
    const caseless = node.next.get(loose[j] as string);
    if (caseless) this.walk(caseless, i, j + 1, tokens, loose, folded, found);
  }
}
