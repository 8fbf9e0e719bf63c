import type { ArchiveInput, PreparedArticle, StoredAnalysis } from "../../src/archive/index.ts";
import { packMentions } from "../../src/archive/work.ts";
import type { DiscoveredEntity, KnowledgeBase } from "../../src/knowledge/index.ts";
import type { EntityKind } from "../../src/records/index.ts";
import { recordOf } from "./records.ts";

/** The bench corpus's seeded generator: a failing run repeats. */
export { prng } from "../../bench/corpus.ts";

/**
 * Random archives and random edits of them, seeded so a failure repeats: for tests that compare
 * what is made from the previous build with what is made from scratch.
 */

const KINDS: EntityKind[] = ["person", "organization", "place"];
export const kb: KnowledgeBase = {
  digest: "kb",
  rejected: [],
  entities: Array.from({ length: 24 }, (_, i) => ({
    id: `e${i}`,
    name: `Entity ${String.fromCharCode(65 + i)}`,
    kind: KINDS[i % 3] as EntityKind,
    description: `Entity ${i}.`,
    aliases: [],
    misspellings: [],
    descriptions: [],
    roles: [],
  })),
  topics: ["t0", "t1", "t2", "t3"].map((id) => ({
    id,
    label: id.toUpperCase(),
    definition: `Topic ${id}.`,
    threshold: 1,
    rules: { phrases: [], entities: [] },
  })),
};

/** An article of the corpus; its prepared form is made again once an edit replaces it. */
interface Draft {
  id: string;
  version: number;
  /** What search indexes of the article; it changes with the version, and alone here. */
  searchVersion: number;
  date: string | null;
  title: string;
  editorTopics: string[];
  analysis: StoredAnalysis;
  prepared?: PreparedArticle;
}

/** A corpus as the builder holds it: an unchanged article keeps its analysis, the same object. */
export class RandomCorpus {
  drafts = new Map<string, Draft>();
  discovered: DiscoveredEntity[] = [
    { id: "d0", name: "Detected Zero", kind: "person" },
    { id: "d1", name: "Detected One", kind: "place" },
  ];
  private next = 0;
  constructor(private readonly pick: () => number) {}

  private int(limit: number): number {
    return Math.floor(this.pick() * limit);
  }

  private date(): string | null {
    if (this.int(12) === 0) return null;
    const year = 2018 + this.int(5);
    return `${year}-${String(1 + this.int(12)).padStart(2, "0")}-${String(1 + this.int(28)).padStart(2, "0")}`;
  }

  private analysis(): StoredAnalysis {
    const ids = new Set<string>();
    const count = this.int(6);
    for (let i = 0; i < count; i++) {
      // A few entities are in most articles, as NATO is; detected ones now and then.
      const id =
        this.int(10) === 0 ? `d${this.int(2)}` : `e${Math.min(this.int(24), this.int(24))}`;
      ids.add(id);
    }
    return {
      entities: [...ids].map((id) => ({
        id,
        mentions: 1 + this.int(3),
        surfaceForms: [id],
        discovered: id.startsWith("d"),
      })),
      discovered: [],
      topics: [...new Set(Array.from({ length: this.int(3) }, () => `t${this.int(4)}`))].map(
        (id) => ({ id, score: 1, evidence: [] }),
      ),
      dateFlag: null,
      estimatedPeriod: null,
    };
  }

  add(): void {
    const id = `a${String(this.next++).padStart(4, "0")}`;
    this.drafts.set(id, {
      id,
      version: 0,
      searchVersion: 0,
      date: this.date(),
      title: id,
      editorTopics: this.int(8) === 0 ? ["t3"] : [],
      analysis: this.analysis(),
    });
  }

  /** An edit of one article's text that names the same entities, as often as before. */
  editText(): string {
    const ids = [...this.drafts.keys()];
    const id = ids[this.int(ids.length)] ?? "";
    const draft = this.drafts.get(id);
    if (!draft) return "nothing";
    this.drafts.set(id, { ...draft, version: draft.version + 1, prepared: undefined });
    return `text of ${id}`;
  }

  /** One random edit, of the kinds an editor's save or a knowledge-base change makes. */
  edit(): string {
    const ids = [...this.drafts.keys()];
    const id = ids[this.int(ids.length)] ?? "";
    const draft = this.drafts.get(id);
    if (!draft) return "nothing";
    const kind = this.int(11);
    // Only body and title edits change the article's digest here: the plan must see the other
    // changes by themselves, whatever the digest covers.
    const changed: Draft = { ...draft, prepared: undefined };
    if (kind === 0) {
      // The body alone: same entities, topics and date.
      changed.version += 1;
    } else if (kind === 1) {
      const [first, ...rest] = draft.analysis.entities;
      if (first) {
        changed.analysis = {
          ...draft.analysis,
          entities: [{ ...first, mentions: first.mentions + 1 }, ...rest],
        };
      }
    } else if (kind === 2) {
      changed.analysis = this.analysis();
    } else if (kind === 3) {
      changed.date = this.date();
    } else if (kind === 4) {
      changed.editorTopics = draft.editorTopics.length > 0 ? [] : ["t1"];
    } else if (kind === 5) {
      this.drafts.delete(id);
      return `removed ${id}`;
    } else if (kind === 6) {
      this.add();
      return "added";
    } else if (kind === 7) {
      // A new list of new records, as each build's corpus makes: the last one stays as it was.
      const renamed = this.int(this.discovered.length);
      this.discovered = this.discovered.map((d, i) =>
        i === renamed ? { ...d, name: `${d.name}s` } : { ...d },
      );
      return "renamed a detected entity";
    } else if (kind === 9) {
      changed.analysis = {
        ...draft.analysis,
        // Other topics, as many (each the next of four), or one where there were none.
        topics:
          draft.analysis.topics.length > 0
            ? draft.analysis.topics.map((t) => ({
                ...t,
                id: `t${(Number(t.id.slice(1)) + 1) % 4}`,
              }))
            : [{ id: "t2", score: 1, evidence: [] }],
      };
    } else if (kind === 10) {
      changed.searchVersion += 1;
    } else {
      changed.version += 1;
      changed.title = `${draft.title}!`;
    }
    this.drafts.set(id, changed);
    return `edit ${kind} of ${id}`;
  }

  /** The archive's input; an article unchanged since the last call is the same object. */
  input(): ArchiveInput {
    const articles: PreparedArticle[] = [];
    const analyses = new Map<string, StoredAnalysis>();
    for (const draft of this.drafts.values()) {
      draft.prepared ??= {
        ...recordOf(draft.id, { date: draft.date, title: draft.title, topics: draft.editorTopics }),
        lead: `Lead ${draft.version}`,
        body: new Uint8Array([draft.version]),
        // One line per entity, in the order of the mention table's entities below.
        sentences: new TextEncoder().encode(
          draft.analysis.entities
            .map((e) => `${e.id} in ${draft.id}, version ${draft.version}.`)
            .join("\n"),
        ),
        // One mention per entity named, placed by the version: the mentions export then changes
        // with the text, as it does when an edit moves the words.
        mentionTable: packMentions(
          draft.analysis.entities.map((e, i) => ({
            entityId: e.id,
            start: draft.version + i * 10,
            end: draft.version + i * 10 + 3,
            surface: e.surfaceForms[0] ?? e.id,
            via: "name" as const,
          })),
        ),
      };
      articles.push(draft.prepared);
      analyses.set(draft.id, draft.analysis);
    }
    return { articles, analyses, discovered: this.discovered, kb };
  }

  /** What pages show of each article, changing with its version and title. */
  digests(): Map<string, string> {
    return new Map([...this.drafts.values()].map((d) => [d.id, `${d.id}@${d.version}:${d.title}`]));
  }

  /** What search indexes of each article. */
  searchDigests(): Map<string, string> {
    return new Map(
      [...this.drafts.values()].map((d) => [d.id, `${d.id}@${d.version}/${d.searchVersion}`]),
    );
  }
}
