import { compromise } from "./nlp.ts";
import type { KnowledgeBase } from "./schema.ts";
import { foldPhrase, type Token } from "./text.ts";

/**
 * Titles written before a name that the knowledge base does not list word for word: "President
 * Ashraf Ghani", "Afghan president Ashraf Ghani", "U.S. Special Representative Zalmay Khalilzad",
 * "Vice President Joe Biden". Both the title in the text and each of the person's dated roles are
 * reduced to a core (country, organisation, demonym and acronym qualifiers dropped, "of the United
 * States" dropped), and the title counts only when its core equals the core of a role that person
 * held. A bare "President" alone is ambiguous; right before a known person's name it is not.
 */

/** Words that change what a title says about time; they end the title. */
const MODIFIER_WORDS = new Set([
  "former",
  "then",
  "ex",
  "late",
  "erstwhile",
  "new",
  "newly",
  "incoming",
  "outgoing",
]);
/** Longest title considered, in words. */
const MAX_TITLE_WORDS = 7;

const demonymCache = new Map<string, boolean>();
/** "Afghan", "German", "British": a nationality in front of a title says where, not what. */
function isDemonym(word: string): boolean {
  let known = demonymCache.get(word);
  if (known === undefined) {
    known = /^\p{Lu}\p{Ll}+ish$/u.test(word) || compromise()(word).has("#Demonym");
    demonymCache.set(word, known);
  }
  return known;
}

export class TitleIndex {
  /** Folded single-word names of places and organisations ("Afghanistan", "NATO", "Taliban"). */
  private readonly qualifiers = new Set<string>();
  /** Person id → core of a title → indexes of the roles it names. */
  private readonly cores = new Map<string, Map<string, number[]>>();

  constructor(kb: KnowledgeBase) {
    for (const entity of kb.entities) {
      if (entity.kind === "person") continue;
      for (const name of [entity.name, ...entity.aliases]) {
        const folded = foldPhrase(name).replace(/['’]s$/, "");
        if (!/\s/.test(folded)) this.qualifiers.add(folded);
      }
    }
    for (const entity of kb.entities) {
      if (entity.kind !== "person" || entity.roles.length === 0) continue;
      const byCore = new Map<string, number[]>();
      entity.roles.forEach((role, roleIndex) => {
        for (const phrase of [role.role, ...role.aliases]) {
          const core = this.core(phrase);
          if (!core) continue;
          const indexes = byCore.get(core) ?? [];
          if (!indexes.includes(roleIndex)) indexes.push(roleIndex);
          byCore.set(core, indexes);
        }
      });
      this.cores.set(entity.id, byCore);
    }
  }

  /** The titles a person's roles answer to, as one string: equal strings, equal answers. */
  rolesKey(personId: string): string {
    return JSON.stringify([...(this.cores.get(personId) ?? [])]);
  }

  /** "US Secretary of State" → "secretary"; "Afghan President" → "president"; "" when nothing is left. */
  core(phrase: string): string {
    const words = foldPhrase(phrase)
      .replace(/\([^)]*\)/g, " ")
      .replace(/['’]s\b/g, " ")
      .split(/[^\p{L}\p{N}]+/u)
      .filter(Boolean);
    // A trailing "of the United States", "for Afghanistan Reconciliation", "to Afghanistan" qualifies.
    const preposition = words.findIndex(
      (w, i) =>
        i > 0 &&
        /^(?:of|for|to|at|in)$/.test(w) &&
        words.slice(i + 1).some((rest) => /^\p{Lu}/u.test(rest)),
    );
    const head = preposition > 0 ? words.slice(0, preposition) : words;
    while (head.length > 0) {
      const first = head[0] as string;
      const qualifier =
        /^(?:the|acting)$/i.test(first) ||
        /^\p{Lu}+$/u.test(first) ||
        this.qualifiers.has(first) ||
        (/^\p{Lu}/u.test(first) && isDemonym(first));
      if (!qualifier) break;
      head.shift();
    }
    return head.join(" ").toLowerCase();
  }

  /**
   * The title right before a person's name (token index `nameStart`), if its core names a role
   * that person held: the roles and where the title starts in the folded text.
   */
  titleBefore(
    personId: string,
    tokens: readonly Token[],
    folded: string,
    nameStart: number,
  ): { roleIndexes: number[]; start: number } | null {
    const byCore = this.cores.get(personId);
    if (!byCore) return null;
    // Walk back over words joined by single spaces, dots and hyphens ("U.S.", "Secretary-General").
    let first = nameStart;
    let words = 0;
    while (first > 0 && words < MAX_TITLE_WORDS) {
      const previous = tokens[first - 1] as Token;
      const gap = folded.slice(previous.end, (tokens[first] as Token).start);
      if (gap !== "" && gap !== " ") break;
      // A full stop before a space ends a sentence; inside "U.S." it does not.
      if (gap === " " && !/^[\p{L}\p{N}]/u.test(previous.value)) break;
      if (/^[\p{L}\p{N}]/u.test(previous.value)) {
        if (MODIFIER_WORDS.has(previous.value.toLowerCase())) break;
        words += 1;
      } else if (!/^[.'-]$/.test(previous.value)) break;
      first -= 1;
    }
    // The longest title that is a role of this person: "Vice President" before "President".
    for (let start = first; start < nameStart; start += 1) {
      const token = tokens[start] as Token;
      if (!/^[\p{L}]/u.test(token.value)) continue;
      const title = folded.slice(token.start, (tokens[nameStart - 1] as Token).end);
      const core = this.core(title);
      const roleIndexes = core ? byCore.get(core) : undefined;
      if (roleIndexes) return { roleIndexes, start: token.start };
    }
    return null;
  }
}
