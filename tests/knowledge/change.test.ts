import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import {
  type Analyzer,
  type ArticleResult,
  analyzeArticle,
  createAnalyzer,
  type Entity,
  foundIds,
  type KnowledgeBase,
  knowledgeChange,
  loadKnowledgeBase,
  matchingText,
  mayAffect,
  type SentenceMemo,
} from "../../src/knowledge/index.ts";
import { loadArticles } from "../../src/records/index.ts";

/**
 * An edit of the knowledge base may leave an article's cached analysis in place only when
 * analysing the article again would give the same: tested against analysing again, on the
 * repository's articles, the raw fixtures (other outlets) and sentences written to reach every
 * way the knowledge base is consulted (glued names, near misses, titles, roles, discovery).
 */

const REPO = path.resolve(import.meta.dirname, "..", "..");

interface Sample {
  text: string;
  date: string | null;
  result: ArticleResult;
  /** The sentences its analysis tagged, with what they proposed (see SentenceMemo). */
  tagged: SentenceMemo["tagged"];
}

let kb: KnowledgeBase;
let samples: Sample[];
/** Phrases edits draw on: names, capitalised runs and lower-case pairs of the texts. */
let pool: string[];

const WRITTEN = [
  "NATO Secretary General Jens Stoltenberg met Kulebasaid officials; Stoltenburg later said the alliance would stay.",
  "The Biden administration and former President Donald Trump disagreed. Afghan president Ashraf Ghani left.",
  "U.S. Special Representative Zalmay Khalilzad met Mullah Baradar in Doha, a Taliban spokesman said.",
  "Sources said Mohammad Hanif Atmar, the foreign minister, told reporters that Abdullah Abdullah had arrived.",
  "The Secretary of State spoke. Spokesman Zabihullah Mujahid said the Islamic Emirate would respond.",
  "Officials from the Kainkinniapur foreign ministry met Daikhairrelia leaders in Kabul and Islamabad.",
  // Titles shorter than the roles they stand for: a new place or organisation may become a
  // qualifier that a role's title drops.
  "Representative Zalmay Khalilzad arrived. General Jens Stoltenberg spoke to Minister Hanif Atmar.",
  "Envoy Zalmay Khalilzad and Secretary Mike Pompeo met Chairman Abdullah Abdullah in Doha.",
  // Near misses of names the knowledge base lacks: a new person can own them.
  "Dreitermann and Chotkodova said the Groutitdekabad talks were over, Bryasfenn added.",
];

const analyse = (kbToUse: KnowledgeBase, sample: Pick<Sample, "text" | "date">) =>
  analyzeArticle(sample, createAnalyzer(kbToUse));

beforeAll(async () => {
  kb = await loadKnowledgeBase(path.join(REPO, "content", "knowledge"), REPO);
  const { articles } = await loadArticles(path.join(REPO, "content", "articles"), REPO);
  const texts: Pick<Sample, "text" | "date">[] = articles.map((a) => ({
    text: a.text,
    date: a.date,
  }));
  for (const folder of ["raw", "unseen"]) {
    const dir = path.join(REPO, "tests", "fixtures", folder);
    for (const name of (await readdir(dir)).filter((n) => n.endsWith(".txt")).sort()) {
      texts.push({ text: await readFile(path.join(dir, name), "utf8"), date: "2021-08-16" });
    }
  }
  for (const [i, text] of WRITTEN.entries())
    texts.push({ text, date: i % 2 ? null : "2020-02-29" });
  const analyzer = createAnalyzer(kb);
  samples = texts.map((t) => {
    const memo: SentenceMemo = { earlier: new Map(), tagged: new Map() };
    return { ...t, result: analyzeArticle(t, analyzer, memo), tagged: memo.tagged };
  });
  const found = new Set<string>();
  for (const { text } of samples) {
    for (const m of text.matchAll(/\p{Lu}[\p{L}'-]+(?: \p{Lu}[\p{L}'-]+)*/gu)) found.add(m[0]);
    for (const m of text.matchAll(/\b[a-z]{3,} [a-z]{3,}\b/g)) found.add(m[0]);
  }
  for (const e of kb.entities) {
    found.add(e.name);
    for (const role of e.roles) for (const word of role.role.split(" ")) found.add(word);
  }
  for (const { result } of samples) for (const d of result.analysis.discovered) found.add(d.name);
  pool = [...found].sort();
});

const traceOf = (sample: Pick<Sample, "text" | "result">) => ({
  text: matchingText(sample.text),
  ids: foundIds(sample.result),
});

/** A copy of a knowledge base after `edit`, with a digest of its own. */
function edited(edit: (copy: KnowledgeBase) => void, from: KnowledgeBase = kb): KnowledgeBase {
  const copy = structuredClone(from);
  edit(copy);
  return { ...copy, digest: `${from.digest}-edited` };
}

const slug = (phrase: string) =>
  phrase
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
const newEntity = (id: string, name: string, kind: Entity["kind"]): Entity => ({
  id,
  name,
  kind,
  description: "",
  aliases: [],
  misspellings: [],
  descriptions: [],
  roles: [],
});

const misspelt = (word: string, at: number) =>
  word.length < 3
    ? word
    : `${word.slice(0, at % word.length)}${word.slice((at % word.length) + 1)}`;

type Edit = (copy: KnowledgeBase) => void;

/** Edits an editor makes, each drawing its phrases from the texts so they reach some articles. */
const editArbitrary = (): fc.Arbitrary<Edit> => {
  const phrase = fc.nat().map((n) => pool[n % pool.length] as string);
  const entity = fc.nat();
  const pick = (copy: KnowledgeBase, n: number) =>
    copy.entities[n % copy.entities.length] as Entity;
  const people = (copy: KnowledgeBase) => copy.entities.filter((e) => e.kind === "person");
  const kind = fc.constantFrom("person", "organization", "place") as fc.Arbitrary<Entity["kind"]>;
  const day = fc
    .integer({ min: 0, max: 2000 })
    .map((d) => new Date(Date.UTC(2016, 0, 1) + d * 86_400_000).toISOString().slice(0, 10));
  return fc.oneof(
    fc.tuple(entity, phrase).map(
      ([n, p]): Edit =>
        (c) =>
          void pick(c, n).aliases.push(p),
    ),
    fc.tuple(entity, phrase).map(
      ([n, p]): Edit =>
        (c) =>
          void pick(c, n).misspellings.push(p),
    ),
    fc.tuple(entity, phrase).map(
      ([n, p]): Edit =>
        (c) =>
          void pick(c, n).descriptions.push(p.toLowerCase()),
    ),
    entity.map(
      (n): Edit =>
        (c) =>
          void pick(c, n).aliases.pop(),
    ),
    fc.tuple(entity, phrase).map(
      ([n, p]): Edit =>
        (c) => {
          pick(c, n).name = p;
        },
    ),
    fc.tuple(entity, fc.string()).map(
      ([n, s]): Edit =>
        (c) => {
          pick(c, n).description = s;
        },
    ),
    fc.tuple(phrase, kind, fc.nat()).map(
      ([p, k, at]): Edit =>
        (c) =>
          void c.entities.splice(
            at % (c.entities.length + 1),
            0,
            newEntity(`zz-${slug(p)}-${at}`, p, k),
          ),
    ),
    // An entity whose id is what discovery would make of a name in the texts, under another name.
    fc.tuple(phrase, kind).map(
      ([p, k]): Edit =>
        (c) => {
          if (slug(p) && !c.entities.some((e) => e.id === slug(p))) {
            c.entities.push(newEntity(slug(p), "Zz Elsewhere", k));
          }
        },
    ),
    // A person one letter away from a capitalised word of the texts: a near miss of theirs.
    fc.tuple(phrase, fc.nat()).map(
      ([p, at]): Edit =>
        (c) => {
          const word = p.split(" ").at(-1) ?? "";
          if (word.length < 6) return;
          const i = 1 + (at % (word.length - 1));
          const changed = `${word.slice(0, i)}${word[i] === "x" ? "q" : "x"}${word.slice(i + 1)}`;
          c.entities.push(newEntity(`zz-near-${slug(changed)}`, `Someone ${changed}`, "person"));
        },
    ),
    entity.map(
      (n): Edit =>
        (c) =>
          void c.entities.splice(n % c.entities.length, 1),
    ),
    // A near miss of a person's name word, as a new person: near-miss matching changes.
    fc.tuple(entity, fc.nat()).map(
      ([n, at]): Edit =>
        (c) => {
          const person = people(c)[n % people(c).length];
          const word = person?.name.split(" ").at(-1) ?? "Nobody";
          c.entities.push(newEntity(`zz-near-${at}`, `Someone ${misspelt(word, at)}`, "person"));
        },
    ),
    fc.tuple(entity, phrase, day, fc.option(day)).map(
      ([n, p, from, to]): Edit =>
        (c) => {
          const person = people(c)[n % people(c).length];
          const end = to === null || to < from ? null : to;
          person?.roles.push({ role: p, aliases: [p.toLowerCase()], from, to: end });
        },
    ),
    fc.tuple(entity, day).map(
      ([n, from]): Edit =>
        (c) => {
          const held = people(c).filter((p) => p.roles.length > 0);
          const role = held[n % Math.max(1, held.length)]?.roles[0];
          if (role) role.from = from < (role.to ?? "9999") ? from : role.from;
        },
    ),
    fc.tuple(fc.nat(), phrase).map(
      ([n, p]): Edit =>
        (c) => {
          c.topics[n % c.topics.length]?.rules.phrases.push({ text: p, weight: 1 });
        },
    ),
    fc.tuple(fc.nat(), entity).map(
      ([n, e]): Edit =>
        (c) => {
          c.topics[n % c.topics.length]?.rules.entities.push({ id: pick(c, e).id, weight: 2 });
        },
    ),
    fc.tuple(fc.nat(), fc.integer({ min: 1, max: 6 })).map(
      ([n, t]): Edit =>
        (c) => {
          const topic = c.topics[n % c.topics.length];
          if (topic) topic.threshold = t;
        },
    ),
    fc.nat().map(
      (n): Edit =>
        (c) =>
          void c.topics.splice(n % c.topics.length, 1),
    ),
    phrase.map(
      (p): Edit =>
        (c) =>
          void c.rejected.push({ name: p, reason: "" }),
    ),
    fc.nat().map(
      (n): Edit =>
        (c) =>
          void c.rejected.splice(n % Math.max(1, c.rejected.length), 1),
    ),
    fc.tuple(entity, entity).map(
      ([a, b]): Edit =>
        (c) => {
          const i = a % c.entities.length;
          const j = b % c.entities.length;
          const first = c.entities[i] as Entity;
          c.entities[i] = c.entities[j] as Entity;
          c.entities[j] = first;
        },
    ),
  );
};

/**
 * Runs `check` on every sample after each of `numRuns` random series of one to three edits, with
 * whether the change says it may reach the sample and an analyzer of the edited knowledge base.
 */
function forRandomEdits(
  numRuns: number,
  check: (sample: Sample, reached: boolean, analyzer: Analyzer) => void,
) {
  fc.assert(
    fc.property(fc.array(editArbitrary(), { minLength: 1, maxLength: 3 }), (edits) => {
      const after = edited((copy) => {
        for (const edit of edits) edit(copy);
      });
      const change = knowledgeChange(kb, after);
      const analyzer = createAnalyzer(after);
      for (const sample of samples) check(sample, mayAffect(change, traceOf(sample)), analyzer);
    }),
    { numRuns },
  );
}

describe("which articles a knowledge-base edit can touch", () => {
  it("keeps an analysis only where analysing again gives the same", () => {
    let kept = 0;
    let checked = 0;
    forRandomEdits(200, (sample, reached, analyzer) => {
      checked += 1;
      if (reached) return;
      kept += 1;
      expect(analyzeArticle(sample, analyzer)).toEqual(sample.result);
    });
    // Not a vacuous pass: most articles are out of reach of most edits.
    expect(kept / checked).toBeGreaterThan(0.3);
  });

  it("analyses a reached article the same with its sentences' earlier proposals recalled", () => {
    let recalled = 0;
    forRandomEdits(100, (sample, reached, analyzer) => {
      if (!reached) return;
      const memo: SentenceMemo = { earlier: sample.tagged, tagged: new Map() };
      expect(analyzeArticle(sample, analyzer, memo)).toEqual(analyzeArticle(sample, analyzer));
      for (const start of memo.tagged.keys()) if (sample.tagged.has(start)) recalled += 1;
    });
    expect(recalled).toBeGreaterThan(100);
  });

  it("reaches the articles containing an added alias, and only those", () => {
    const after = edited((c) => {
      (c.entities.find((e) => e.id === "jens-stoltenberg") as Entity).aliases.push("Kulebasaid");
    });
    const change = knowledgeChange(kb, after);
    const reached = samples.filter((s) => mayAffect(change, traceOf(s)));
    expect(reached.map((s) => s.text.slice(0, 40))).toEqual(
      samples
        .filter((s) => s.text.includes("Stoltenberg") || s.text.includes("Kulebasaid"))
        .map((s) => s.text.slice(0, 40)),
    );
    expect(reached.length).toBeGreaterThan(0);
    expect(reached.length).toBeLessThan(samples.length);
    // It does reach them: analysed again, the alias is found.
    const written = samples.find((s) => s.text.includes("Kulebasaid")) as Sample;
    expect(analyse(after, written).analysis.mentions.map((m) => m.surface)).toContain("Kulebasaid");
  });

  it("reaches nothing when only the files' comments or layout changed", () => {
    const change = knowledgeChange(kb, { ...structuredClone(kb), digest: "reformatted" });
    expect(samples.some((s) => mayAffect(change, traceOf(s)))).toBe(false);
  });

  it("reaches everything when entities are reordered (the first listed wins a shared name)", () => {
    const after = edited((c) => c.entities.reverse());
    expect(knowledgeChange(kb, after).everything).toBe(true);
  });

  it("reaches articles naming a person whose role dates changed, not others", () => {
    const holder = kb.entities.find((e) => e.kind === "person" && e.roles.length > 0) as Entity;
    const after = edited((c) => {
      const role = (c.entities.find((e) => e.id === holder.id) as Entity).roles[0];
      if (role) role.from = "2000-01-01";
    });
    const change = knowledgeChange(kb, after);
    for (const sample of samples) {
      const names = sample.result.analysis.entities.some((e) => e.id === holder.id);
      if (names) expect(mayAffect(change, traceOf(sample))).toBe(true);
    }
    expect(change.ids).toEqual(new Set([holder.id]));
  });
});

/**
 * Ways an edit reaches an article that names nothing it changed, each written out: random edits
 * of a real knowledge base seldom build them.
 */
describe("edits that reach an article without touching anything it names", () => {
  const GOVERNOR = "Governor Daud Shah Saba said the province was calm.";

  /** The edit changes the article's analysis, and the change says it may. */
  function expectReached(
    before: KnowledgeBase,
    after: KnowledgeBase,
    sample: Pick<Sample, "text" | "date">,
  ) {
    const old = analyse(before, sample);
    expect(analyse(after, sample)).not.toEqual(old);
    expect(
      mayAffect(knowledgeChange(before, after), traceOf({ text: sample.text, result: old })),
    ).toBe(true);
  }

  const withEntity = (entity: Entity) => edited((c) => void c.entities.push(entity));
  const discoveredIn = (knowledge: KnowledgeBase, text: string) =>
    analyse(knowledge, { text, date: "2021-08-16" }).analysis.discovered.map((d) => d.id);

  it("drops an entity whose id discovery would give a name of the text (under another name)", () => {
    const before = withEntity(newEntity("daud-shah-saba", "Zz Elsewhere", "person"));
    expect(discoveredIn(kb, GOVERNOR)).toContain("daud-shah-saba");
    expect(discoveredIn(before, GOVERNOR)).not.toContain("daud-shah-saba");
    expectReached(before, kb, { text: GOVERNOR, date: "2021-08-16" });
  });

  it("drops a name that matched nothing but kept discovery from proposing it", () => {
    // Lower case after the first word: the trie does not match "Daud Shah Saba" with it, but
    // discovery compares names in any case.
    const before = withEntity({
      ...newEntity("zz-someone", "Zz Someone", "person"),
      aliases: ["daud shah saba"],
    });
    expect(discoveredIn(before, GOVERNOR)).not.toContain("daud-shah-saba");
    expectReached(before, kb, { text: GOVERNOR, date: "2021-08-16" });
  });

  it("puts a name on the rejected list, or takes it off", () => {
    const rejecting = edited((c) => void c.rejected.push({ name: "Daud Shah Saba", reason: "" }));
    expect(discoveredIn(rejecting, GOVERNOR)).not.toContain("daud-shah-saba");
    expectReached(kb, rejecting, { text: GOVERNOR, date: "2021-08-16" });
    expectReached(rejecting, kb, { text: GOVERNOR, date: "2021-08-16" });
  });

  it("renames a person an article finds only as a near miss, whose name its dating quotes", () => {
    // "Bidden" is Joe Biden misspelt; the undated article's estimate names him in full.
    const text = "The Bidden administration announced the withdrawal.";
    const after = edited((c) => {
      const person = c.entities.find((e) => e.id === "joe-biden") as Entity;
      person.name = "Joseph R. Biden";
    });
    expectReached(kb, after, { text, date: null });
  });

  it("adds a place whose name a role's title then drops (Representative for Special Representative)", () => {
    const text = "Representative Zalmay Khalilzad arrived in Doha for the talks.";
    expect(text.toLowerCase()).not.toContain("special");
    const after = withEntity(newEntity("zz-special", "Special", "place"));
    expectReached(kb, after, { text, date: null });
  });
});
