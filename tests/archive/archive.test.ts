import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  buildArchive,
  CO_MENTIONS_KEPT,
  firstSentence,
  prepareArticle,
  type RelatedMemory,
  sentenceAround,
} from "../../src/archive/index.ts";
import type { ArticleAnalysis, KnowledgeBase, Mention } from "../../src/knowledge/index.ts";
import type { Article } from "../../src/records/index.ts";
import { recordOf } from "../helpers/records.ts";

function article(id: string, date: string | null, text: string): Article {
  return { ...recordOf(id, { date, dateEvidence: date }), markdown: text, text };
}

function mentionsOf(text: string, names: Record<string, string>): Mention[] {
  return Object.entries(names).flatMap(([surface, entityId]) => {
    const start = text.indexOf(surface);
    return start < 0
      ? []
      : [{ entityId, start, end: start + surface.length, surface, via: "name" as const }];
  });
}

function analysis(mentions: Mention[], extra: Partial<ArticleAnalysis> = {}): ArticleAnalysis {
  const ids = [...new Set(mentions.map((m) => m.entityId))];
  return {
    mentions,
    entities: ids.map((id) => ({
      id,
      mentions: mentions.filter((m) => m.entityId === id).length,
      surfaceForms: [...new Set(mentions.filter((m) => m.entityId === id).map((m) => m.surface))],
      discovered: false,
    })),
    discovered: [],
    topics: [],
    dateFlag: null,
    estimatedPeriod: null,
    ...extra,
  };
}

const kb: KnowledgeBase = {
  digest: "test",
  rejected: [],
  entities: [
    {
      id: "nato",
      name: "NATO",
      kind: "organization",
      description: "",
      aliases: [],
      misspellings: [],
      descriptions: [],
      roles: [],
    },
    {
      id: "kabul",
      name: "Kabul",
      kind: "place",
      description: "",
      aliases: [],
      misspellings: [],
      descriptions: [],
      roles: [],
    },
    {
      id: "blinken",
      name: "Antony Blinken",
      kind: "person",
      description: "",
      aliases: [],
      misspellings: [],
      descriptions: [],
      roles: [],
    },
  ],
  topics: [
    {
      id: "withdrawal",
      label: "Withdrawal",
      definition: "",
      threshold: 1,
      rules: { phrases: [], entities: [] },
    },
  ],
};

const names = { NATO: "nato", Kabul: "kabul", "Antony Blinken": "blinken" };
const texts = {
  a: "NATO met in Brussels. Antony Blinken spoke about Kabul.",
  b: "Troops left Kabul. NATO said so.",
  c: "Nothing known here. NATO only.",
  d: "Undated piece about NATO.",
};

function sample() {
  const articles = [
    article("a", "2021-04-14", texts.a),
    article("b", "2021-08-16", texts.b),
    article("c", null, texts.c),
    article("d", null, texts.d),
  ];
  const analyses = new Map<string, ArticleAnalysis>([
    [
      "a",
      analysis(mentionsOf(texts.a, names), {
        topics: [{ id: "withdrawal", score: 2, evidence: [] }],
      }),
    ],
    [
      "b",
      analysis(mentionsOf(texts.b, names), {
        topics: [{ id: "withdrawal", score: 3, evidence: [] }],
      }),
    ],
    [
      "c",
      analysis(mentionsOf(texts.c, names), {
        estimatedPeriod: { from: "2019-01-01", to: "2019-12-31", basis: [] },
      }),
    ],
    ["d", analysis(mentionsOf(texts.d, names))],
  ]);
  return buildArchive({ articles, analyses, discovered: [], kb });
}

describe("buildArchive", () => {
  it("orders articles newest first, estimates by their start, undated last", () => {
    const archive = sample();
    expect(archive.articles.map((a) => a.id)).toEqual(["b", "a", "c", "d"]);
    expect(archive.articleById.get("c")?.dateEstimated).toBe(true);
    expect(archive.articleById.get("c")?.sortDate).toBe("2019-01-01");
    expect(archive.undatedIds).toEqual(["d"]);
  });

  it("indexes entities with newest-first occurrences, mention sentences and co-mentions", () => {
    const archive = sample();
    const kabul = archive.entityById.get("kabul");
    expect(
      kabul?.occurrences.map((o) => {
        const article = archive.articleById.get(o.articleId);
        return [o.articleId, article && firstSentence(article, "kabul")];
      }),
    ).toEqual([
      ["b", "Troops left Kabul."],
      ["a", "Antony Blinken spoke about Kabul."],
    ]);
    expect(kabul?.coMentions).toEqual([
      { id: "nato", count: 2 },
      { id: "blinken", count: 1 },
    ]);
    expect(archive.entities.map((e) => e.id)).toEqual(["nato", "kabul", "blinken"]);
  });

  it("keeps the entities co-mentioned most, ties in collation order, up to CO_MENTIONS_KEPT", () => {
    // "hub" is in all 40 articles; e<j> in those numbered from ceil(j/2) on, so pairs tie.
    const ids = Array.from({ length: 40 }, (_, j) => `e${j + 1}`);
    const articles = Array.from({ length: 40 }, (_, k) =>
      article(`a${k + 1}`, "2021-01-01", "x".repeat(200)),
    );
    const analyses = new Map(
      articles.map((a, k) => {
        const present = ["hub", ...ids.filter((_, j) => Math.ceil((j + 1) / 2) <= k + 1)];
        return [
          a.id,
          analysis(
            present.map((entityId, i) => ({
              entityId,
              start: i * 2,
              end: i * 2 + 1,
              surface: "x",
              via: "name" as const,
            })),
          ),
        ] as const;
      }),
    );
    const discovered = [...ids, "hub"].map((id) => ({ id, name: id, kind: "person" as const }));
    const archive = buildArchive({ articles, analyses, discovered, kb });
    const shared = (id: string) =>
      [...analyses.values()].filter((a) => a.entities.some((e) => e.id === id)).length;
    const collator = new Intl.Collator();
    const everyOne = ids
      .map((id) => ({ id, count: shared(id) }))
      .sort((a, b) => b.count - a.count || collator.compare(a.id, b.id));
    expect(CO_MENTIONS_KEPT).toBe(30);
    expect(archive.entityById.get("hub")?.coMentions).toEqual(everyOne.slice(0, CO_MENTIONS_KEPT));
    expect(everyOne[0]).toEqual({ id: "e1", count: 40 });
    // Ties are broken by collation, not by the order the entities were met in.
    expect(everyOne.slice(8, 10)).toEqual([
      { id: "e10", count: 36 },
      { id: "e9", count: 36 },
    ]);
  });

  it("groups by year and month, estimated articles under their period", () => {
    const archive = sample();
    expect(archive.years.map((y) => [y.year, y.months.map((m) => [m.key, m.articleIds])])).toEqual([
      [
        2021,
        [
          ["2021-08", ["b"]],
          ["2021-04", ["a"]],
        ],
      ],
      [2019, [["2019-01", ["c"]]]],
    ]);
  });

  it("lists every taxonomy topic with its articles newest first", () => {
    expect(sample().topicById.get("withdrawal")?.articleIds).toEqual(["b", "a"]);
  });

  it("ranks related articles by shared rare actors and topics", () => {
    const related = sample()
      .related("a")
      .map((a) => a.id);
    expect(related[0]).toBe("b");
    expect(related).not.toContain("a");
  });
});

describe("sentenceAround", () => {
  it("returns the whole sentence around an offset, not crossing paragraphs", () => {
    const text = "First one. Second “quoted.” Third here.\n\nNew paragraph";
    expect(sentenceAround(text, text.indexOf("Third"))).toBe("Third here.");
    expect(sentenceAround(text, text.indexOf("New"))).toBe("New paragraph");
    expect(sentenceAround(text, 2)).toBe("First one.");
  });

  it("is kept for each entity an article names, from its first mention, across line breaks", () => {
    // A line break inside a paragraph, and a second mention of NATO in a later sentence.
    const text =
      "NATO met in\nBrussels on Monday. Kabul was calm.\n\nLater, NATO spoke of Kabul again.";
    const laterNato = text.lastIndexOf("NATO");
    const mentions: Mention[] = [
      ...mentionsOf(text, { NATO: "nato", Kabul: "kabul" }),
      { entityId: "nato", start: laterNato, end: laterNato + 4, surface: "NATO", via: "name" },
    ];
    const prepared = prepareArticle(article("x", null, text), { mentions });
    expect(firstSentence(prepared, "nato")).toBe("NATO met in Brussels on Monday.");
    expect(firstSentence(prepared, "kabul")).toBe("Kabul was calm.");
    expect(firstSentence(prepared, "brussels")).toBe("");
  });
});

describe("related articles remembered from the previous archive", () => {
  const ENTITIES = ["e0", "e1", "e2", "e3", "e4", "e5", "e6", "e7"];
  const TOPICS = ["t0", "t1", "t2"];
  const topicKb: KnowledgeBase = {
    ...kb,
    entities: [],
    topics: TOPICS.map((id) => ({
      id,
      label: id,
      definition: "",
      rules: { phrases: [], entities: [] },
      threshold: 1,
    })),
  };
  interface Spec {
    id: string;
    day: number;
    entities: string[];
    topics: string[];
  }
  const archiveOf = (specs: readonly Spec[], relatedFrom: RelatedMemory | null = null) =>
    buildArchive(
      {
        articles: specs.map((s) =>
          article(s.id, `2021-01-${String(s.day).padStart(2, "0")}`, "x".repeat(40)),
        ),
        analyses: new Map(
          specs.map((s) => [
            s.id,
            analysis(
              s.entities.map((entityId, i) => ({
                entityId,
                start: i * 2,
                end: i * 2 + 1,
                surface: "x",
                via: "name" as const,
              })),
              { topics: s.topics.map((id) => ({ id, score: 1, evidence: [] })) },
            ),
          ]),
        ),
        discovered: ENTITIES.map((id) => ({ id, name: id, kind: "person" as const })),
        kb: topicKb,
      },
      { relatedFrom },
    );
  const relatedIds = (archive: ReturnType<typeof archiveOf>) =>
    archive.articles.map((a) => [a.id, archive.related(a.id).map((r) => r.id)]);
  const spec = fc.record({
    day: fc.integer({ min: 1, max: 28 }),
    entities: fc.subarray(ENTITIES),
    topics: fc.subarray(TOPICS),
  });
  const corpus = fc
    .array(spec, { minLength: 2, maxLength: 30 })
    .map((specs) => specs.map((s, i) => ({ ...s, id: `a${i}` })));
  const edit = fc.oneof(
    fc.record({ kind: fc.constant("entities" as const), at: fc.nat(), to: fc.subarray(ENTITIES) }),
    fc.record({ kind: fc.constant("topics" as const), at: fc.nat(), to: fc.subarray(TOPICS) }),
    fc.record({
      kind: fc.constant("date" as const),
      at: fc.nat(),
      day: fc.integer({ min: 1, max: 28 }),
    }),
    fc.record({ kind: fc.constant("remove" as const), at: fc.nat() }),
    fc.record({ kind: fc.constant("add" as const), added: spec }),
  );

  it("gives what a fresh archive gives, whatever changed since", () => {
    fc.assert(
      fc.property(corpus, fc.array(edit, { maxLength: 3 }), (before, edits) => {
        const first = archiveOf(before);
        relatedIds(first);
        let after = before.map((s) => ({ ...s }));
        for (const e of edits) {
          const at = "at" in e ? e.at % after.length : 0;
          const target = after[at];
          if (e.kind === "add") after.push({ ...e.added, id: `new${after.length}` });
          else if (!target) continue;
          else if (e.kind === "remove" && after.length > 2)
            after = after.filter((_, i) => i !== at);
          else if (e.kind === "entities") target.entities = e.to;
          else if (e.kind === "topics") target.topics = e.to;
          else if (e.kind === "date") target.day = e.day;
        }
        const remembered = archiveOf(after, first.relatedMemory());
        expect(relatedIds(remembered)).toEqual(relatedIds(archiveOf(after)));
      }),
      { numRuns: 200 },
    );
  });

  /** A memory that says `id`'s related articles are `related`, its keys left as they were. */
  const claiming = (memory: RelatedMemory, id: string, related: string[]): RelatedMemory => ({
    ...memory,
    found: new Map(memory.found).set(id, { keys: memory.found.get(id)?.keys ?? "", related }),
  });

  /** a shares e0 with b and e1 with c; d shares nothing. */
  const FOUR_ARTICLES: Spec[] = [
    { id: "a", day: 1, entities: ["e0", "e1"], topics: [] },
    { id: "b", day: 2, entities: ["e0"], topics: [] },
    { id: "c", day: 3, entities: ["e1"], topics: [] },
    { id: "d", day: 4, entities: ["e2"], topics: [] },
  ];

  it("remembers every article's related articles, asked for or not, and hands on what it took over", () => {
    // No page asked for related articles (an archive indexed but not rendered).
    const memory = archiveOf(FOUR_ARTICLES).relatedMemory();
    expect([...memory.found.keys()].sort()).toEqual(["a", "b", "c", "d"]);
    expect(memory.found.get("a")?.related).toEqual(["b", "c"]);
    const planted = claiming(memory, "a", ["d"]);
    expect(archiveOf(FOUR_ARTICLES, planted).relatedMemory().found.get("a")?.related).toEqual([
      "d",
    ]);
  });

  it("takes an article's related articles over only while its postings are as they were", () => {
    const first = archiveOf(FOUR_ARTICLES);
    relatedIds(first);
    const memory = first.relatedMemory();
    expect(memory.found.get("a")?.related).toEqual(["b", "c"]);
    // A memory that says otherwise is believed while the postings match, so it is what is used.
    const planted = claiming(memory, "a", ["d"]);
    expect(
      archiveOf(FOUR_ARTICLES, planted)
        .related("a")
        .map((r) => r.id),
    ).toEqual(["d"]);
    // Once e1's articles change, a's related articles are scored afresh.
    const changed = FOUR_ARTICLES.map((s) => (s.id === "d" ? { ...s, entities: ["e1"] } : s));
    expect(
      archiveOf(changed, planted)
        .related("a")
        .map((r) => r.id),
    ).toEqual(
      archiveOf(changed)
        .related("a")
        .map((r) => r.id),
    );
  });

  it("ignores changes to an entity too common to count, and not one that becomes rare enough", () => {
    // e0 is in every article: more than the 500 that related articles can be scored from.
    const many = (count: number): Spec[] =>
      Array.from({ length: count }, (_, i) => ({
        id: `m${String(i).padStart(4, "0")}`,
        day: (i % 28) + 1,
        entities: i < 3 ? ["e0", "e1"] : ["e0"],
        topics: [],
      }));
    const idsOf = (archive: ReturnType<typeof archiveOf>) =>
      archive.related("m0000").map((r) => r.id);
    const first = archiveOf(many(520));
    relatedIds(first);
    const memory = first.relatedMemory();
    const planted = claiming(memory, "m0000", ["m0499"]);
    // One more article names e0: still too common, so m0000's memory stands.
    expect(idsOf(archiveOf(many(521), planted))).toEqual(["m0499"]);
    // Down to 500 articles, e0 counts again: scored afresh.
    expect(idsOf(archiveOf(many(500), planted))).toEqual(idsOf(archiveOf(many(500))));
  });
});
