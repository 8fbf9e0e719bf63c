import { type Archive, buildArchive } from "../../src/archive/index.ts";
import type {
  ArticleAnalysis,
  DiscoveredEntity,
  Entity,
  KnowledgeBase,
  Mention,
  MentionVia,
} from "../../src/knowledge/index.ts";
import type { Article, EntityKind } from "../../src/records/index.ts";
import type { SiteConfig } from "../../src/site/config.ts";
import { recordOf } from "../helpers/records.ts";

/**
 * A small synthetic corpus for the find-and-follow outputs: dated articles in two outlets' styles,
 * one undated with an estimated period, one undated without, a hostile title, a discovered entity.
 * Built through buildArchive so the outputs see the same Archive a real build gives them.
 */

export const config: SiteConfig = {
  title: "Test & <Wire> Archive",
  description: "An archive for tests.",
  url: "https://news.example.org",
  pathPrefix: "/wire/",
  pageSize: 50,
  searchShardPages: 2000,
  language: "en",
};

export const HOSTILE_TITLE = '</script><script>alert(1)</script> & "quotes" ]]> <b>bold</b>';

interface Spec {
  id: string;
  title: string;
  date: string | null;
  text: string;
  source?: string;
  dateline?: string;
  /** surface -> [entity id, via] */
  names?: Record<string, [string, MentionVia]>;
  topics?: [string, number][];
  estimate?: [string, string];
  dateFlag?: string;
  /** Topics an editor assigned in front matter. */
  assigned?: string[];
}

const SPECS: Spec[] = [
  {
    id: "wire-2021-08-16-kabul-falls",
    title: "Taliban enter Kabul as government collapses",
    date: "2021-08-16",
    source: "Wire",
    dateline: "KABUL",
    text: "The Taliban entered Kabul on Sunday. NATO said evacuations continue.\n\nMr Mohib left.",
    names: {
      Taliban: ["taliban", "name"],
      Kabul: ["kabul", "name"],
      NATO: ["nato", "name"],
      "Mr Mohib": ["hamdullah-mohib", "discovered"],
    },
    topics: [["withdrawal", 4]],
  },
  {
    id: "post-2021-04-14-withdrawal",
    title: HOSTILE_TITLE,
    date: "2021-04-14T18:30:00Z",
    source: "The Post",
    text: '=SUM(A1:A9) is not a formula here. NATO agreed to leave, "officials" said, by September.',
    names: { NATO: ["nato", "name"] },
    topics: [["withdrawal", 2]],
  },
  {
    id: "wire-2021-04-02-talks",
    title: "Talks resume in Doha",
    date: "2021-04-02",
    source: "Wire",
    dateline: "DOHA",
    text: "Negotiators met in Doha. The Taliban and NATO envoys attended.",
    names: { Doha: ["doha", "name"], Taliban: ["taliban", "name"], NATO: ["nato", "alias"] },
    dateFlag: "The header date 2021-04-02 is earlier than events the text describes.",
  },
  {
    id: "undated-estimate",
    title: "Envoy visits the capital",
    date: null,
    text: "An envoy arrived in Kabul, where the Taliban now govern.",
    names: { Kabul: ["kabul", "name"], Taliban: ["taliban", "name"] },
    estimate: ["2021-09-01", "2022-03-31"],
  },
  {
    id: "undated-plain",
    title: "A piece nobody dated",
    date: null,
    text: "Nothing here can be dated. NATO is mentioned once.",
    names: { NATO: ["nato", "misspelling"] },
    assigned: ["withdrawal"],
  },
];

function entity(id: string, name: string, kind: EntityKind, aliases: string[] = []): Entity {
  return {
    id,
    name,
    kind,
    description: `${name}, for tests.`,
    aliases,
    misspellings: [],
    descriptions: [],
    roles: [],
  };
}

export const kb: KnowledgeBase = {
  digest: "test",
  rejected: [],
  entities: [
    entity("nato", "NATO", "organization", ["North Atlantic Treaty Organization"]),
    entity("taliban", "Taliban", "organization"),
    entity("kabul", "Kabul", "place"),
    entity("doha", "Doha", "place"),
  ],
  topics: [
    {
      id: "withdrawal",
      label: "Withdrawal",
      definition: "Troops leaving.",
      threshold: 1,
      rules: { phrases: [], entities: [] },
    },
    {
      id: "empty-topic",
      label: "Empty",
      definition: "No article has it.",
      threshold: 1,
      rules: { phrases: [], entities: [] },
    },
  ],
};

const discovered: DiscoveredEntity[] = [
  { id: "hamdullah-mohib", name: "Hamdullah Mohib", kind: "person" },
];

function toArticle(spec: Spec): Article {
  return {
    ...recordOf(spec.id, {
      title: spec.title,
      date: spec.date,
      dateEvidence: spec.date ? `Header: ${spec.date}` : null,
      source: spec.source ?? null,
      dateline: spec.dateline ?? null,
      topics: spec.assigned ?? [],
    }),
    markdown: spec.text,
    text: spec.text,
  };
}

function toAnalysis(spec: Spec): ArticleAnalysis {
  const mentions: Mention[] = Object.entries(spec.names ?? {}).flatMap(([surface, [id, via]]) => {
    const found: Mention[] = [];
    for (let at = spec.text.indexOf(surface); at >= 0; at = spec.text.indexOf(surface, at + 1)) {
      found.push({ entityId: id, start: at, end: at + surface.length, surface, via });
    }
    return found;
  });
  mentions.sort((a, b) => a.start - b.start);
  const ids = [...new Set(mentions.map((m) => m.entityId))];
  return {
    mentions,
    entities: ids.map((id) => {
      const own = mentions.filter((m) => m.entityId === id);
      return {
        id,
        mentions: own.length,
        surfaceForms: [...new Set(own.map((m) => m.surface))],
        discovered: discovered.some((d) => d.id === id),
      };
    }),
    discovered: discovered.filter((d) => ids.includes(d.id)),
    topics: (spec.topics ?? []).map(([id, score]) => ({ id, score, evidence: [] })),
    dateFlag: spec.dateFlag ?? null,
    estimatedPeriod: spec.estimate
      ? { from: spec.estimate[0], to: spec.estimate[1], basis: ["test"] }
      : null,
  };
}

/** The plain text of a test article, the string mention offsets refer to. */
export function textOf(articleId: string): string {
  return SPECS.find((s) => s.id === articleId)?.text ?? "";
}

/** The corpus, its input in the given order (builds must not depend on it). */
export function testArchive(order: "as-written" | "reversed" = "as-written"): Archive {
  const specs = order === "reversed" ? [...SPECS].reverse() : SPECS;
  return buildArchive({
    articles: specs.map(toArticle),
    analyses: new Map(specs.map((s) => [s.id, toAnalysis(s)])),
    discovered,
    kb,
  });
}
