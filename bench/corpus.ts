import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { monthName } from "../src/site/views.ts";

/**
 * A deterministic synthetic corpus of raw scraped articles: realistic length (~600 words), date
 * headers in several styles and some missing, outlet boilerplate, thousands of distinct people,
 * organizations and places, and dated role phrases. Same seed, same bytes.
 */

export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ONSETS = [
  "b",
  "d",
  "f",
  "g",
  "h",
  "k",
  "l",
  "m",
  "n",
  "p",
  "r",
  "s",
  "t",
  "v",
  "z",
  "sh",
  "kh",
  "br",
  "dr",
  "st",
];
const VOWELS = ["a", "e", "i", "o", "u", "ai", "ei", "ou"];
const CODAS = ["", "", "n", "r", "s", "l", "m", "k", "d"];

export type Kind = "person" | "organization" | "place";

export interface SyntheticEntity {
  id: string;
  name: string;
  kind: Kind;
  /** Surname for people, used alone in later mentions. */
  short: string;
}

export interface SyntheticArticle {
  file: string;
  raw: string;
  /** Entities mentioned, for baselines that need the same tags. */
  entities: SyntheticEntity[];
  date: string | null;
}

export interface Corpus {
  articles: SyntheticArticle[];
  entities: SyntheticEntity[];
}

function word(random: () => number, syllables: number): string {
  let out = "";
  for (let i = 0; i < syllables; i += 1) {
    const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)] as T;
    out += pick(ONSETS) + pick(VOWELS) + pick(CODAS);
  }
  return out.charAt(0).toUpperCase() + out.slice(1);
}

function header(random: () => number, day: Date): string | null {
  const y = day.getUTCFullYear();
  const m = day.getUTCMonth();
  const d = day.getUTCDate();
  const iso = `${y}-${String(m + 1).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
  const styles = [
    () => ` date ${iso} `,
    () =>
      `${String(9 + Math.floor(random() * 10)).padStart(2, "0")}:15 GMT${d} ${monthName(m + 1)} ${y}`,
    () => `Published: ${d} ${monthName(m + 1)} ${y}`,
    () => `${iso}T09:12:00Z`,
    () => `Updated ${monthName(m + 1).slice(0, 3)}. ${d}, ${y} 4:05 pm ET`,
    () => null,
  ];
  return (styles[Math.floor(random() * styles.length)] as () => string | null)();
}

const VERBS = [
  "said",
  "told reporters",
  "warned",
  "announced",
  "insisted",
  "argued",
  "confirmed",
  "added",
];
const CLAUSES = [
  "that the talks on the withdrawal of foreign troops would continue next week",
  "that the alliance remained committed to supporting the Afghan security forces",
  "that the peace process needed real compromises from all sides",
  "that violence against civilians had risen sharply in recent months",
  "that the ministers meeting in Brussels would decide on the mission",
  "that regional stability depended on cooperation with neighbouring countries",
  "that counter-terrorism guarantees were a condition of any agreement",
  "that the drawdown would be coordinated closely with the allies",
];
const FILLER = [
  "The decision followed weeks of consultations among the allies, officials said.",
  "Several diplomats described the atmosphere of the meeting as constructive but tense.",
  "The statement gave no timetable, and officials declined to comment on the details.",
  "Analysts said the move reflected growing impatience with the slow pace of negotiations.",
  "The government in the capital has repeatedly called for a ceasefire before any talks.",
  "Security in several provinces deteriorated as fighting continued through the summer.",
];
const ROLES = [
  "the NATO chief",
  "the US Secretary of State",
  "NATO Secretary General Jens Stoltenberg",
  "US Secretary of State Mike Pompeo",
];

export function generateCorpus(
  count: number,
  seed = 1,
  entityCount = Math.min(4000, Math.max(300, Math.round(count / 2))),
): Corpus {
  const random = prng(seed);
  const seen = new Set<string>();
  const entities: SyntheticEntity[] = [];
  while (entities.length < entityCount) {
    const kind: Kind =
      entities.length % 3 === 0 ? "person" : entities.length % 3 === 1 ? "organization" : "place";
    const first = word(random, 2);
    const last = word(random, 2 + Math.floor(random() * 2));
    const name =
      kind === "person"
        ? `${first} ${last}`
        : kind === "organization"
          ? `${last} ${random() < 0.5 ? "Council" : "Front"}`
          : `${last}${random() < 0.5 ? "abad" : "stan"}`;
    const id = name.toLowerCase().replace(/[^a-z0-9]+/g, "-");
    if (seen.has(id)) continue;
    seen.add(id);
    entities.push({ id, name, kind, short: kind === "person" ? last : name });
  }
  // Coverage is skewed the way news is: a few actors everywhere, most rarely.
  const pickEntity = () =>
    entities[Math.floor(entities.length * random() ** 2.5)] as SyntheticEntity;
  const articles: SyntheticArticle[] = [];
  const start = Date.UTC(2018, 0, 1);
  const span = Date.UTC(2022, 11, 31) - start;
  for (let i = 0; i < count; i += 1) {
    const day = new Date(start + Math.floor(random() * span));
    const head = header(random, day);
    const cast = Array.from({ length: 4 + Math.floor(random() * 6) }, pickEntity);
    const lines: string[] = [];
    if (head) lines.push(head, "");
    if (random() < 0.3) lines.push("Listen Live", "    Get short URL", "");
    let words = 0;
    let paragraph = 0;
    while (words < 600) {
      const who = cast[paragraph % cast.length] as SyntheticEntity;
      const other = cast[(paragraph + 1) % cast.length] as SyntheticEntity;
      const speaker =
        who.kind === "person"
          ? paragraph === 0
            ? who.name
            : who.short
          : `Officials from ${who.name}`;
      const text = [
        `${speaker} ${VERBS[paragraph % VERBS.length]} ${CLAUSES[Math.floor(random() * CLAUSES.length)]}, after talks with ${other.name} in ${cast.find((c) => c.kind === "place")?.name ?? "Kabul"}.`,
        random() < 0.4
          ? `${ROLES[Math.floor(random() * ROLES.length)]?.replace(/^the/, "The")} ${VERBS[(paragraph + 3) % VERBS.length]} NATO would stay in Afghanistan.`
          : "",
        FILLER[Math.floor(random() * FILLER.length)],
        FILLER[Math.floor(random() * FILLER.length)],
      ]
        .filter(Boolean)
        .join(" ");
      lines.push(text, "");
      if (paragraph === 2 && random() < 0.5)
        lines.push(`READ MORE: ${word(random, 2)} Says Talks With ${other.short} Stalled`, "");
      if (paragraph === 3 && random() < 0.3) lines.push("Security and Diplomacy", "");
      words += text.split(/\s+/).length;
      paragraph += 1;
    }
    if (random() < 0.5) {
      lines.push(
        `${word(random, 2)} Warns of New Offensive in ${cast[0]?.short ?? "Kabul"}`,
        `Explosion Shakes ${word(random, 2)} Capital - Reports (VIDEO)`,
      );
      lines.push(
        cast
          .slice(0, 5)
          .map((c) => c.name)
          .join(", "),
      );
    }
    const unique = [...new Map(cast.map((c) => [c.id, c])).values()];
    articles.push({
      file: `synthetic_${String(i).padStart(6, "0")}.txt`,
      raw: `${lines.join("\n")}\n`,
      entities: unique,
      date: head ? day.toISOString().slice(0, 10) : null,
    });
  }
  return { articles, entities };
}

export async function writeRawCorpus(corpus: Corpus, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const article of corpus.articles) await writeFile(path.join(dir, article.file), article.raw);
}

/** The synthetic entities as knowledge-base YAML entries, to append to a copy of entities.yaml. */
export function entitiesYaml(corpus: Corpus): string {
  return corpus.entities
    .map((e) => {
      const aliases = e.kind === "person" ? `\n    aliases:\n      - ${e.short}` : "";
      return `  - id: ${e.id}\n    name: ${e.name}\n    kind: ${e.kind}${aliases}`;
    })
    .join("\n")
    .concat("\n");
}
