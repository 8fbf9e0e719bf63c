import { cp, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { monthName } from "../src/site/views.ts";

/**
 * A deterministic synthetic corpus of raw scraped articles for the benchmark: ~600 words each,
 * date headers in the shapes real outlets use (and sometimes none), outlet boilerplate, a few
 * thousand people, organizations and places with made-up names, and dated role phrases. Only the
 * seeded PRNG below decides anything, so the same seed gives the same bytes on every machine.
 */

/** mulberry32: tiny, fast, and good enough to make text; never Math.random. */
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

type Random = () => number;
const pick = <T>(random: Random, list: readonly T[]): T =>
  list[Math.floor(random() * list.length)] as T;

export const SYLLABLES = {
  onsets: ["b", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "sh", "kh"],
  more: ["br", "dr", "st", "tr", "gr", "ch", "j", "y", "w", "q"],
  vowels: ["a", "e", "i", "o", "u", "ai", "ei", "ou", "ia", "ya"],
  codas: ["", "", "", "n", "r", "s", "l", "m", "k", "d", "t", "sh"],
} as const;
export const ORGANIZATION_SUFFIXES = [
  "Council",
  "Front",
  "Movement",
  "Party",
  "Institute",
  "Agency",
  "Alliance",
  "Foundation",
] as const;
export const PLACE_SUFFIXES = ["abad", "stan", "grad", "pur", "ia", "khel", "shahr"] as const;

function syllableWord(random: Random, syllables: number): string {
  let out = "";
  for (let i = 0; i < syllables; i += 1) {
    const onset = random() < 0.8 ? pick(random, SYLLABLES.onsets) : pick(random, SYLLABLES.more);
    out += onset + pick(random, SYLLABLES.vowels) + pick(random, SYLLABLES.codas);
  }
  return out.charAt(0).toUpperCase() + out.slice(1);
}

export type Kind = "person" | "organization" | "place";

export interface SyntheticRole {
  role: string;
  aliases: string[];
  from: string;
  to: string | null;
}

export interface SyntheticEntity {
  id: string;
  name: string;
  kind: Kind;
  /** What later sentences call it: the surname of a person, the full name otherwise. */
  short: string;
  roles: SyntheticRole[];
  /** Written to the benchmark's copy of the knowledge base (the rest are for discovery to find). */
  inKnowledgeBase: boolean;
}

/** An office whose phrase ("the Zoustan foreign minister") means different people over time. */
interface Office {
  phrase: string;
  terms: { holder: SyntheticEntity; from: string; to: string | null }[];
}

/** Real dated roles of the repository's knowledge base, so role resolution gets real work too. */
const REAL_OFFICES: { phrases: string[]; terms: { name: string; from: string; to: string }[] }[] = [
  {
    phrases: ["the NATO chief", "NATO Secretary General"],
    terms: [{ name: "Jens Stoltenberg", from: "2014-10-01", to: "2024-10-01" }],
  },
  {
    phrases: ["US Secretary of State", "the top US diplomat"],
    terms: [
      { name: "Mike Pompeo", from: "2018-04-26", to: "2021-01-20" },
      { name: "Antony Blinken", from: "2021-01-26", to: "2025-01-20" },
    ],
  },
];

export interface HeaderStyle {
  name: string;
  /** Share of articles with this header; the weights sum to 1. */
  weight: number;
  /** Recognises the style in a first line, for tests. */
  pattern: RegExp;
}

export const HEADER_STYLES: readonly HeaderStyle[] = [
  { name: "date-prefix", weight: 0.17, pattern: /^ date \d{4}-\d{2}-\d{2} $/ },
  { name: "gmt-glued", weight: 0.17, pattern: /^\d{2}:\d{2} GMT\d{1,2} [A-Z][a-z]+ \d{4}$/ },
  { name: "published", weight: 0.17, pattern: /^Published: \d{1,2} [A-Z][a-z]+ \d{4}$/ },
  { name: "iso-datetime", weight: 0.17, pattern: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:00Z$/ },
  {
    name: "updated-ap",
    weight: 0.17,
    pattern: /^Updated [A-Z][a-z]+\.? \d{1,2}, \d{4} \d{1,2}:\d{2} [ap]m ET$/,
  },
  { name: "missing", weight: 0.15, pattern: /^$/ },
];

/** AP style, as US outlets print it: "Aug.", "Sept.", but "March" and "July" in full. */
const AP_MONTHS = [
  "Jan.",
  "Feb.",
  "March",
  "April",
  "May",
  "June",
  "July",
  "Aug.",
  "Sept.",
  "Oct.",
  "Nov.",
  "Dec.",
];

const pad = (n: number) => String(n).padStart(2, "0");

function headerLine(style: string, day: Date, random: Random): string | null {
  const y = day.getUTCFullYear();
  const m = day.getUTCMonth();
  const d = day.getUTCDate();
  const iso = `${y}-${pad(m + 1)}-${pad(d)}`;
  const hour = 6 + Math.floor(random() * 14);
  const minute = pad(Math.floor(random() * 60));
  switch (style) {
    case "date-prefix":
      return ` date ${iso} `;
    case "gmt-glued":
      return `${pad(hour)}:${minute} GMT${d} ${monthName(m + 1)} ${y}`;
    case "published":
      return `Published: ${d} ${monthName(m + 1)} ${y}`;
    case "iso-datetime":
      return `${iso}T${pad(hour)}:${minute}:00Z`;
    case "updated-ap":
      return `Updated ${AP_MONTHS[m]} ${d}, ${y} ${((hour + 11) % 12) + 1}:${minute} ${hour < 12 ? "am" : "pm"} ET`;
    default:
      return null;
  }
}

function pickStyle(random: Random): string {
  let roll = random();
  for (const style of HEADER_STYLES) {
    roll -= style.weight;
    if (roll < 0) return style.name;
  }
  return "missing";
}

const VERBS = [
  "said",
  "told reporters",
  "warned",
  "announced",
  "insisted",
  "argued",
  "confirmed",
  "stressed",
  "noted",
  "acknowledged",
];
const CLAUSES = [
  "the talks on the withdrawal of foreign troops would continue next week",
  "the alliance remained committed to supporting the Afghan security forces",
  "the peace process needed real compromises from all sides",
  "violence against civilians had risen sharply in recent months",
  "the ministers meeting in Brussels would decide on the future of the mission",
  "regional stability depended on cooperation with neighbouring countries",
  "counter-terrorism guarantees were a condition of any agreement",
  "the drawdown would be coordinated closely with the allies",
  "humanitarian access to the northern provinces had to be restored",
  "the prisoner exchange had been delayed by disagreements over the lists",
  "elections could not be held while the fighting continued",
  "funding for the reconstruction programme would be reviewed in the autumn",
];
const FILLER = [
  "The decision followed weeks of consultations among the allies, officials said.",
  "Several diplomats described the atmosphere of the meeting as constructive but tense.",
  "The statement gave no timetable, and officials declined to comment on the details.",
  "Analysts said the move reflected growing impatience with the slow pace of negotiations.",
  "The government has repeatedly called for a ceasefire before any talks.",
  "Security in several provinces deteriorated as fighting continued through the summer.",
  "Aid agencies warned that thousands of families had been displaced by the latest clashes.",
  "The negotiations had stalled twice before over the sequence of the withdrawal.",
  "Local officials said roads to the district centre remained closed for a third day.",
  "The draft agreement, seen by reporters, runs to four pages and two annexes.",
  "Markets in the capital reopened on Saturday after a week of strikes.",
  "Critics questioned whether the guarantees could be verified on the ground.",
];
const QUOTES = [
  "We are ready to stay as long as necessary, but not a day longer",
  "Nobody wins this war on the battlefield",
  "The door to negotiations remains open",
  "Our message is clear: the violence must stop",
  "We will not accept any agreement that ignores the victims",
  "This is a decisive moment for the whole region",
];
const SUBHEADINGS = [
  "Security and Diplomacy",
  "Draft Agreement",
  "Call for Peace",
  "Regional Reactions",
  "Troop Numbers",
  "What Comes Next",
];
const DATELINES = ["BRUSSELS (Sputnik) - ", "KABUL, Afghanistan (AP) — ", "WASHINGTON — "];

export interface SyntheticArticle {
  file: string;
  raw: string;
  /** Every entity named in full in the text, in order of first mention: the tags of all builds. */
  entities: { id: string; name: string; kind: Kind }[];
  /** The day the header states, or null where the article has no header. */
  date: string | null;
  headerStyle: string;
}

export interface Corpus {
  articles: SyntheticArticle[];
  entities: SyntheticEntity[];
}

export interface CorpusOptions {
  seed?: number;
  /** Distinct made-up entities; a few thousand by default. */
  entityCount?: number;
  /** How many of them the knowledge-base copy lists; the rest are left to discovery. */
  knowledgeBaseCount?: number;
}

const slug = (name: string) =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");

function makeEntities(random: Random, count: number, inKb: number): SyntheticEntity[] {
  const seen = new Set<string>();
  const entities: SyntheticEntity[] = [];
  while (entities.length < count) {
    const kind: Kind =
      (["person", "organization", "place"] as const)[entities.length % 3] ?? "place";
    const root = syllableWord(random, 2 + Math.floor(random() * 2));
    const name =
      kind === "person"
        ? `${syllableWord(random, 2)} ${root}`
        : kind === "organization"
          ? `${root} ${pick(random, ORGANIZATION_SUFFIXES)}`
          : `${root}${pick(random, PLACE_SUFFIXES)}`;
    const id = `syn-${slug(name)}`;
    // A surname shared by two people would make the short form ambiguous, so skip repeats.
    if (seen.has(id) || seen.has(`short:${root}`)) continue;
    seen.add(id);
    seen.add(`short:${root}`);
    entities.push({
      id,
      name,
      kind,
      short: kind === "person" ? root : name,
      roles: [],
      inKnowledgeBase: entities.length < inKb,
    });
  }
  return entities;
}

const START = Date.UTC(2018, 0, 1);
const END = Date.UTC(2022, 11, 31);
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Foreign ministers of some made-up places, each office held by two people in turn. */
function makeOffices(random: Random, entities: SyntheticEntity[]): Office[] {
  const people = entities.filter((e) => e.kind === "person" && e.inKnowledgeBase);
  const places = entities.filter((e) => e.kind === "place" && e.inKnowledgeBase);
  const offices: Office[] = [];
  for (let i = 0; i < Math.min(40, places.length, Math.floor(people.length / 2)); i += 1) {
    const place = places[i] as SyntheticEntity;
    const first = people[2 * i] as SyntheticEntity;
    const second = people[2 * i + 1] as SyntheticEntity;
    const change = isoDay(START + Math.floor((0.2 + 0.6 * random()) * (END - START)));
    const role = `Foreign Minister of ${place.name}`;
    const phrase = `${place.name} foreign minister`;
    first.roles.push({ role, aliases: [phrase], from: "2015-01-01", to: change });
    second.roles.push({ role, aliases: [phrase], from: change, to: null });
    offices.push({
      phrase,
      terms: [
        { holder: first, from: "2015-01-01", to: change },
        { holder: second, from: change, to: null },
      ],
    });
  }
  return offices;
}

const holderOn = <T extends { from: string; to: string | null }>(terms: T[], day: string) =>
  terms.find((t) => t.from <= day && (t.to === null || day < t.to));

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

export function generateCorpus(count: number, options: CorpusOptions = {}): Corpus {
  const random = prng(options.seed ?? 1);
  const entityCount = options.entityCount ?? 3000;
  const entities = makeEntities(
    random,
    entityCount,
    options.knowledgeBaseCount ?? Math.round((entityCount * 2) / 3),
  );
  const offices = makeOffices(random, entities);
  // News coverage is skewed: a few actors are everywhere, most appear once or twice.
  const pickEntity = () =>
    entities[Math.floor(entities.length * random() ** 2.2)] as SyntheticEntity;
  const articles: SyntheticArticle[] = [];

  for (let i = 0; i < count; i += 1) {
    const dayMs = START + Math.floor(random() * (END - START));
    const day = isoDay(dayMs);
    const style = pickStyle(random);
    const header = headerLine(style, new Date(dayMs), random);
    const named = new Map<string, { id: string; name: string; kind: Kind }>();
    const name = (e: { id?: string; name: string; kind: Kind }) => {
      named.set(e.id ?? slug(e.name), { id: e.id ?? slug(e.name), name: e.name, kind: e.kind });
      return e.name;
    };
    const cast = Array.from({ length: 4 + Math.floor(random() * 7) }, pickEntity);
    const place = cast.find((c) => c.kind === "place");
    const introduced = new Set<string>();
    // The first reference gives the full name, later ones the surname, as reporters write.
    const refer = (e: SyntheticEntity) => {
      if (introduced.has(e.id)) return e.short;
      introduced.add(e.id);
      return name(e);
    };

    const lines: string[] = [];
    if (header !== null) lines.push(header);
    if (random() < 0.25) lines.push("Listen Live", "    Get short URL");
    if (random() < 0.08)
      lines.push(
        `${Math.floor(1e12 + random() * 9e12)} ${Math.floor(random() * 0xffffffff).toString(16)}-e95b-40cb-81b9-adad94831c0a`,
        "video",
      );
    lines.push("");

    let words = 0;
    let paragraph = 0;
    while (words < 600) {
      const who = cast[paragraph % cast.length] as SyntheticEntity;
      const other = cast[
        (paragraph + 1 + Math.floor(random() * 3)) % cast.length
      ] as SyntheticEntity;
      const speaker = who.kind === "person" ? refer(who) : `Officials from ${refer(who)}`;
      const sentences = [
        `${speaker} ${pick(random, VERBS)} that ${pick(random, CLAUSES)}, after talks with ${refer(other)}${place ? ` in ${refer(place)}` : ""}.`,
        pick(random, FILLER),
      ];
      const roll = random();
      if (roll < 0.15) {
        const office = pick(random, REAL_OFFICES);
        const term = holderOn(office.terms, day);
        if (term) {
          sentences.push(
            `${capitalise(pick(random, office.phrases))} ${pick(random, VERBS)} that ${pick(random, CLAUSES)}.`,
            `${name({ name: term.name, kind: "person" })} spoke after the meeting.`,
          );
        }
      } else if (roll < 0.3 && offices.length > 0) {
        const office = pick(random, offices);
        const term = holderOn(office.terms, day);
        if (term) {
          sentences.push(
            `The ${office.phrase} ${pick(random, VERBS)} that ${pick(random, CLAUSES)}.`,
            `${refer(term.holder)} later repeated the point.`,
          );
        }
      } else if (roll < 0.5) {
        sentences.push(`“${pick(random, QUOTES)},” ${refer(who)} ${pick(random, VERBS)}.`);
      }
      sentences.push(pick(random, FILLER));
      let text = sentences.join(" ");
      if (paragraph === 0 && random() < 0.2) text = pick(random, DATELINES) + text;
      lines.push(text, "");
      words += text.split(/\s+/).length;
      if (paragraph === 2 && random() < 0.4)
        lines.push(
          `READ MORE: ${syllableWord(random, 2)} Says Talks With ${other.short} Have Stalled`,
          "",
        );
      if (paragraph === 4 && random() < 0.3) lines.push(pick(random, SUBHEADINGS), "");
      paragraph += 1;
    }
    if (random() < 0.3) {
      lines.push(
        `Tags: ${[...named.values()]
          .slice(0, 4)
          .map((e) => e.name)
          .join(", ")}`,
        "",
      );
    }
    if (random() < 0.35) {
      const related = [
        `${syllableWord(random, 2)} Warns of New Offensive Near ${place?.name ?? "Kabul"}`,
        `Explosion Shakes ${syllableWord(random, 3)} Capital - Reports (VIDEO)`,
        `Is ${syllableWord(random, 2)} Preparing for New Talks?`,
      ];
      lines.push("", ...related.slice(0, 2 + Math.floor(random() * 2)));
    }
    articles.push({
      file: `synthetic_${String(i).padStart(6, "0")}.txt`,
      raw: `${lines.join("\n").trimEnd()}\n`,
      entities: [...named.values()],
      date: header === null ? null : day,
      headerStyle: style,
    });
  }
  return { articles, entities };
}

export async function writeRawCorpus(
  corpus: Corpus,
  dir: string,
  onProgress?: (done: number, total: number) => void,
): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const [i, article] of corpus.articles.entries()) {
    onProgress?.(i, corpus.articles.length);
    await writeFile(path.join(dir, article.file), article.raw);
  }
}

const yamlString = (s: string) => JSON.stringify(s);

/** The knowledge-base entities of the corpus as YAML list items, to append to entities.yaml. */
export function entitiesYaml(corpus: Corpus): string {
  const lines: string[] = [];
  for (const e of corpus.entities.filter((x) => x.inKnowledgeBase)) {
    lines.push(`  - id: ${e.id}`, `    name: ${yamlString(e.name)}`, `    kind: ${e.kind}`);
    if (e.kind === "person") lines.push("    aliases:", `      - ${yamlString(e.short)}`);
    if (e.roles.length > 0) {
      lines.push("    roles:");
      for (const r of e.roles) {
        lines.push(`      - role: ${yamlString(r.role)}`, "        aliases:");
        for (const a of r.aliases) lines.push(`          - ${yamlString(a)}`);
        lines.push(`        from: ${r.from}`, `        to: ${r.to ?? "null"}`);
      }
    }
  }
  return `${lines.join("\n")}\n`;
}

/**
 * A project folder for the corpus: the repository's knowledge base and site settings plus the
 * corpus's own entities, and an empty content/articles for the importer to fill.
 */
export async function writeBenchProject(corpus: Corpus, root: string, repo: string): Promise<void> {
  const content = path.join(root, "content");
  await mkdir(path.join(content, "articles"), { recursive: true });
  await cp(path.join(repo, "content", "knowledge"), path.join(content, "knowledge"), {
    recursive: true,
  });
  await cp(path.join(repo, "content", "site.yaml"), path.join(content, "site.yaml")).catch(
    () => {},
  );
  const entitiesFile = path.join(content, "knowledge", "entities.yaml");
  const existing = await readFile(entitiesFile, "utf8");
  await writeFile(entitiesFile, `${existing.trimEnd()}\n${entitiesYaml(corpus)}`);
}
