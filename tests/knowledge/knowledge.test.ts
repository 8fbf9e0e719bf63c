import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import {
  type ArticleAnalysis,
  analyzeCorpus,
  findMentions,
  type KnowledgeBase,
  loadKnowledgeBase,
} from "../../src/knowledge/index.ts";
import { foldPhrase, foldText } from "../../src/knowledge/text.ts";
import {
  type Article,
  ContentError,
  formatProblem,
  parseArticleSource,
} from "../../src/records/index.ts";

/**
 * The knowledge stage on text it has never seen: other outlets, other people, other mistakes.
 * The knowledge base is the repository's own content/knowledge.
 */

const REPO = path.resolve(import.meta.dirname, "..", "..");
let kb: KnowledgeBase;

beforeAll(async () => {
  kb = await loadKnowledgeBase(path.join(REPO, "content", "knowledge"), REPO);
});

function article(id: string, date: string | null, body: string): Article {
  const source = `---\nid: ${id}\ntitle: T\ndate: ${date ?? "null"}\n---\n${body}\n`;
  const result = parseArticleSource(new TextEncoder().encode(source), `${id}.md`);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.article;
}

function analyse(...articles: Article[]): {
  get(id: string): ArticleAnalysis;
  discovered: string[];
} {
  const { analyses, discovered } = analyzeCorpus(articles, kb);
  return {
    get: (id) => analyses.get(id) ?? (undefined as never),
    discovered: discovered.map((d) => `${d.name} (${d.kind})`),
  };
}

const pairs = (a: ArticleAnalysis) => a.mentions.map((m) => `${m.surface}→${m.entityId}`);

describe("mention finding", () => {
  it("prefers the longest name: an airport named after Karzai is not a Karzai mention", () => {
    const mentions = findMentions(
      "Crowds gathered at Hamid Karzai International Airport on Monday.",
      "2021-08-16",
      kb,
    );
    expect(mentions.map((m) => `${m.surface}→${m.entityId}`)).toEqual([
      "Hamid Karzai International Airport→hamid-karzai-international-airport",
    ]);
  });

  it("finds possessives, curly apostrophes and names with diacritics written without them", () => {
    const text = "NATO’s chief met Turkey's Mevlut Cavusoglu and Recep Tayyip Erdogan.";
    const found = findMentions(text, "2021-06-14", kb).map((m) => `${m.surface}→${m.entityId}`);
    expect(found).toEqual([
      "NATO→nato",
      "Turkey→turkey",
      "Mevlut Cavusoglu→mevlut-cavusoglu",
      "Recep Tayyip Erdogan→recep-tayyip-erdogan",
    ]);
  });

  it("keeps case: the pronoun 'us' is not the United States", () => {
    expect(
      findMentions("Join us, said the US envoy.", "2019-01-01", kb).map((m) => m.surface),
    ).toEqual(["US"]);
  });

  it("recovers names glued to a word or to each other, and near-miss spellings", () => {
    const a = article(
      "glued",
      "2021-04-20",
      "Secretary General Stoltenburg spoke first. Blinkensaid the allies agreed. Italian Foreign Minister LuigiDiMaio and HeikoMaas attended. Kabul was calm.",
    );
    expect(pairs(analyse(a).get("glued"))).toEqual([
      "Stoltenburg→jens-stoltenberg",
      "Blinken→antony-blinken",
      "LuigiDiMaio→luigi-di-maio",
      "HeikoMaas→heiko-maas",
      "Kabul→kabul",
    ]);
  });

  it("splits names glued to each other or to any common word, not only listed forms", () => {
    const mentions = findMentions(
      "PompeoBlinken handover: Blinkenwarned Moscow, then met withKuleba. Hunting season opened.",
      "2021-04-20",
      kb,
    );
    expect(mentions.map((m) => `${m.surface}→${m.entityId}[${m.via}]`)).toEqual([
      "Pompeo→mike-pompeo[glued]",
      "Blinken→antony-blinken[glued]",
      "Blinken→antony-blinken[glued]",
      "Moscow→russia[alias]",
      "Kuleba→dmytro-kuleba[glued]",
    ]);
  });

  it("takes the nearest name word for a near miss, and of equally near ones the first listed", () => {
    const template = kb.entities.find((e) => e.id === "jens-stoltenberg");
    if (!template) throw new Error("the knowledge base lacks jens-stoltenberg");
    const person = (id: string, name: string) => ({
      ...template,
      id,
      name,
      aliases: [],
      misspellings: [],
      descriptions: [],
      roles: [],
    });
    const withPeople = (...people: ReturnType<typeof person>[]): KnowledgeBase => ({
      ...kb,
      entities: [...kb.entities, ...people],
    });
    const nearMiss = (base: KnowledgeBase, text: string) =>
      findMentions(text, "2021-01-01", base)
        .filter((m) => m.via === "fuzzy")
        .map((m) => `${m.surface}→${m.entityId}`);
    // "Hartmund" is one edit from both; the longer word is listed first, the shorter is looked at
    // first by length.
    const long = person("ada-hartmundt", "Ada Hartmundt");
    const short = person("bo-hartmun", "Bo Hartmun");
    expect(nearMiss(withPeople(long, short), "Then Hartmund spoke.")).toEqual([
      "Hartmund→ada-hartmundt",
    ]);
    expect(nearMiss(withPeople(short, long), "Then Hartmund spoke.")).toEqual([
      "Hartmund→bo-hartmun",
    ]);
    // Two edits are allowed from nine characters of the name word, one below.
    const nine = person("cy-kesselring", "Cy Kesselring");
    const eight = person("di-wolbrand", "Di Wolbrand");
    expect(nearMiss(withPeople(nine, eight), "Then Kessling and Wulbrend spoke.")).toEqual([
      "Kessling→cy-kesselring",
    ]);
  });

  it("does not turn ordinary capitalised words into near-miss names", () => {
    const mentions = findMentions(
      "Austria and Stolen goods were found. Blinking lights.",
      "2021-01-01",
      kb,
    );
    expect(mentions).toEqual([]);
  });

  it("resolves role phrases by the article's date", () => {
    const may = article(
      "may",
      "2018-07-11",
      "The British prime minister met allies in Brussels. Theresa May pledged 440 troops.",
    );
    const johnson = article(
      "johnson",
      "2021-08-20",
      "The British prime minister spoke on Friday. Boris Johnson said flights would continue.",
    );
    const pompeo = article(
      "pompeo",
      "2019-09-03",
      "The US Secretary of State met allies. Mike Pompeo and Antony Blinken were named.",
    );
    const blinken = article(
      "blinken",
      "2021-04-14",
      "The US Secretary of State met allies. Mike Pompeo and Antony Blinken were named.",
    );
    const result = analyse(may, johnson, pompeo, blinken);
    expect(pairs(result.get("may"))[0]).toBe("The British prime minister→theresa-may");
    expect(pairs(result.get("johnson"))[0]).toBe("The British prime minister→boris-johnson");
    expect(pairs(result.get("pompeo"))).toContain("The US Secretary of State→mike-pompeo");
    expect(pairs(result.get("blinken"))).toContain("The US Secretary of State→antony-blinken");
  });

  it("counts a role phrase only when the article names the holder", () => {
    const a = article(
      "unnamed",
      "2021-02-10",
      "The head of German diplomacy announced today that Germany would stay.",
    );
    expect(pairs(analyse(a).get("unnamed"))).toEqual(["Germany→germany"]);
  });

  it("counts a name inside a role phrase for its own entity too", () => {
    const a = article(
      "nested",
      "2018-04-27",
      "Jens Stoltenberg spoke. The NATO chief added that the mission would go on.",
    );
    expect(pairs(analyse(a).get("nested"))).toEqual([
      "Jens Stoltenberg→jens-stoltenberg",
      "The NATO chief→jens-stoltenberg",
      "NATO→nato",
    ]);
  });

  it("reports offsets that always slice to the mentioned words, whatever the text", () => {
    const names = [
      "NATO",
      "Stoltenberg",
      "Çavuşoğlu",
      "US",
      "the alliance",
      "Kabul",
      "Blinkensaid",
      "Sassouli",
    ];
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(fc.string({ unit: "grapheme", maxLength: 12 }), fc.constantFrom(...names)),
          { maxLength: 20 },
        ),
        fc.option(fc.constantFrom("2019-05-01", "2021-05-01"), { nil: null }),
        (parts, date) => {
          const text = parts.join(" ");
          for (const m of findMentions(text, date, kb))
            expect(text.slice(m.start, m.end)).toBe(m.surface);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("discovery", () => {
  it("proposes people the knowledge base lacks and merges their later surname mentions", () => {
    const a = article(
      "new-people",
      "2021-08-27",
      "State Department deputy spokeswoman Jalina Porter told reporters on Friday that flights continued. Porter said more than 100,000 people had left. Afghan Finance Minister Khalid Payenda resigned.",
    );
    const result = analyse(a);
    expect(result.discovered).toEqual(["Jalina Porter (person)", "Khalid Payenda (person)"]);
    expect(pairs(result.get("new-people"))).toEqual(
      expect.arrayContaining(["Jalina Porter→jalina-porter", "Porter→jalina-porter"]),
    );
    const entry = result.get("new-people").entities.find((e) => e.id === "jalina-porter");
    expect(entry).toMatchObject({ mentions: 2, discovered: true });
  });

  it("never proposes titles, months, demonyms or rejected names", async () => {
    const root = await mkdtemp(path.join(tmpdir(), "kb-"));
    await import("node:fs/promises").then((fs) =>
      fs.cp(path.join(REPO, "content", "knowledge"), root, { recursive: true }),
    );
    await writeFile(
      path.join(root, "rejected.yaml"),
      "rejected:\n  - name: Jalina Porter\n    reason: test\n",
    );
    const local = await loadKnowledgeBase(root, root);
    const a = article(
      "filters",
      "2021-08-27",
      "On Monday, Afghan and American officials met in August. President said nothing. Jalina Porter spoke.",
    );
    const { discovered } = analyzeCorpus([a], local);
    expect(discovered).toEqual([]);
    await rm(root, { recursive: true, force: true });
  });
});

describe("dates you can trust", () => {
  it("flags a header date that a dated role in the text contradicts", () => {
    const a = article(
      "stale",
      "2021-07-27",
      "NATO Secretary General Jens Stoltenberg said he had met new US State Secretary Mike Pompeo on Friday.",
    );
    expect(analyse(a).get("stale").dateFlag).toBe(
      "The header date 27 July 2021 does not fit the text: it calls Mike Pompeo “new US State Secretary Mike Pompeo”, but Mike Pompeo was US Secretary of State from 2018-04-26 to 2021-01-20.",
    );
  });

  it("does not flag a date the roles agree with", () => {
    const a = article(
      "fine",
      "2021-04-14",
      "US Secretary of State Antony Blinken met NATO Secretary General Jens Stoltenberg.",
    );
    expect(analyse(a).get("fine").dateFlag).toBeNull();
  });

  it("estimates the period of an undated article from the roles it mentions", () => {
    const a = article(
      "undated",
      null,
      "Former US Secretary of State Mike Pompeo criticised the withdrawal. The new administration led by Joe Biden defended it, and Defense Secretary Lloyd Austin spoke.",
    );
    const estimate = analyse(a).get("undated").estimatedPeriod;
    expect(estimate).toMatchObject({ from: "2021-01-22", to: "2022-01-20" });
    expect(estimate?.basis).toHaveLength(3);
  });

  it("reads titles the knowledge base does not list word for word, before a known person's name", () => {
    const estimate = (body: string) => analyse(article("t", null, body)).get("t").estimatedPeriod;
    expect(estimate("President Ashraf Ghani spoke in Kabul.")).toMatchObject({
      from: "2014-09-29",
      to: "2021-08-15",
    });
    expect(estimate("Afghan president Ashraf Ghani spoke.")?.from).toBe("2014-09-29");
    expect(estimate("U.S. Special Representative Zalmay Khalilzad spoke.")).toMatchObject({
      from: "2018-09-05",
      to: "2021-10-18",
    });
    // The longest title wins: "Vice President" is not "President".
    expect(estimate("Vice President Joe Biden visited Kabul.")).toMatchObject({
      from: "2009-01-20",
      to: "2017-01-20",
    });
    // "Former" bounds the start only; the estimate then runs a year.
    expect(estimate("Former President Ashraf Ghani left the country.")).toMatchObject({
      from: "2021-08-15",
      to: "2022-08-15",
    });
    // "then-" says nothing about when the text was written; a full stop ends a title.
    expect(estimate("Then-President Donald Trump spoke.")).toBeNull();
    expect(estimate("He met the president. Ghani said little.")).toBeNull();
  });

  it("flags a bare title that the person did not hold on the header date, with a few weeks' grace", () => {
    const flag = (date: string, body: string) =>
      analyse(article("f", date, body)).get("f").dateFlag;
    expect(flag("2019-05-01", "Prime Minister Boris Johnson spoke.")).toContain(
      "Boris Johnson was UK Prime Minister from 2019-07-24 to 2022-09-06",
    );
    expect(flag("2019-05-01", "President Joe Biden spoke.")).toContain("Joe Biden");
    // News of the last weeks keeps the title of the time: Ghani fled on 15 August 2021.
    expect(flag("2021-08-20", "President Ashraf Ghani fled the country on Sunday.")).toBeNull();
    expect(flag("2021-12-20", "President Ashraf Ghani addressed the nation.")).toContain(
      "Ashraf Ghani",
    );
    // Between two terms of the same office the title does not fit either term.
    expect(flag("2022-06-01", "President Donald Trump held a rally.")).toContain("Donald Trump");
    expect(flag("2018-06-01", "President Donald Trump held a rally.")).toBeNull();
  });

  it("treats a title set off by a comma as part of the name, not a second mention", () => {
    const a = article(
      "comma",
      "2021-10-05",
      "The British prime minister, Boris Johnson, spoke on Tuesday.",
    );
    const result = analyse(a).get("comma");
    expect(pairs(result)).toEqual(["Boris Johnson→boris-johnson"]);
    const stale = analyse(
      article("comma2", "2018-03-01", "The British prime minister, Boris Johnson, spoke."),
    );
    expect(stale.get("comma2").dateFlag).toContain("Boris Johnson");
  });

  it("never estimates when the editor gave a date, nor without evidence", () => {
    const dated = article("dated", "2020-01-01", "Former US President Donald Trump spoke.");
    const none = article("none", null, "Officials met in Kabul.");
    const result = analyse(dated, none);
    expect(result.get("dated").estimatedPeriod).toBeNull();
    expect(result.get("none").estimatedPeriod).toBeNull();
  });
});

describe("topics", () => {
  it("ranks topics with the evidence phrases as written", () => {
    const a = article(
      "topics",
      "2020-02-29",
      "The United States and the Taliban signed a deal in Doha that starts intra-Afghan negotiations and sets a timetable for the withdrawal of foreign troops. Zalmay Khalilzad said a ceasefire would follow.",
    );
    const topics = analyse(a).get("topics").topics;
    expect(topics[0]?.id).toBe("afghan-peace-process");
    expect(topics[0]?.evidence).toEqual(
      expect.arrayContaining(["intra-Afghan", "ceasefire", "Zalmay Khalilzad", "Doha"]),
    );
    expect(topics.map((t) => t.id)).toContain("afghanistan-troop-withdrawal");
    expect(topics.map((t) => t.id)).not.toContain("nato-iraq-mission");
  });
});

describe("topic phrases", () => {
  // Case, accents, marks and letters that fold or case-fold unusually, in phrases and text alike.
  const WORDS = ["peace", "PÉACE", "Peace-talks", "talks", "cease-fire", "Ørsted", "ørsted"];
  const MORE = ["U.S.", "u.s", "İstanbul", "istanbul", "\u017Ftrike", "strike", "\u212Aabul"];
  const vocabulary = [...WORDS, ...MORE, "kabul", "NATO's", "'s", "Ｄoha", "doha", "9/11"];

  /** Which phrases occur, scanning the folded text for every one of them. */
  function everyPhraseScanned(text: string, phrases: readonly string[]): number {
    const folded = foldText(text).folded;
    return phrases.reduce((score, phrase, i) => {
      const body = foldPhrase(phrase)
        .replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
        .replace(/\s+/g, "\\s+");
      const found = new RegExp(`(?<![\\p{L}\\p{N}])${body}(?![\\p{L}\\p{N}])`, "iu").test(folded);
      return found ? score + 2 ** i : score;
    }, 0);
  }

  it("are found exactly where scanning for every phrase finds them", () => {
    const phraseOf = fc
      .array(fc.constantFrom(...vocabulary), { minLength: 1, maxLength: 2 })
      .map((words) => words.join(" "));
    fc.assert(
      fc.property(
        fc.uniqueArray(phraseOf, { minLength: 1, maxLength: 6 }),
        fc.array(fc.constantFrom(...vocabulary, "and", "the", ",", "."), { maxLength: 30 }),
        (phrases, words) => {
          const topics = [
            {
              id: "t",
              label: "T",
              definition: "",
              // Weights 1, 2, 4…: the score says which phrases were found.
              rules: {
                phrases: phrases.map((text, i) => ({ text, weight: 2 ** i })),
                entities: [],
              },
              threshold: 1,
            },
          ];
          const a = article("phrases", null, `Text ${words.join(" ")} end.`);
          const { analyses } = analyzeCorpus([a], { ...kb, topics });
          const score = analyses.get("phrases")?.topics.find((t) => t.id === "t")?.score ?? 0;
          expect(score).toBe(everyPhraseScanned(a.text, phrases));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("knowledge base validation", () => {
  it("reads files unchanged since the last load as that load did, and any change afresh", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "kb-again-"));
    const entities = path.join(dir, "entities.yaml");
    const one = "entities:\n  - id: a\n    name: A\n    kind: person\n";
    await writeFile(entities, one);
    await writeFile(path.join(dir, "topics.yaml"), "topics: []\n");
    try {
      const first = await loadKnowledgeBase(dir, dir);
      expect(await loadKnowledgeBase(dir, dir)).toBe(first);
      await writeFile(entities, `${one}  - id: b\n    name: B\n    kind: place\n`);
      const second = await loadKnowledgeBase(dir, dir);
      expect(second.entities.map((e) => e.id)).toEqual(["a", "b"]);
      expect(second.digest).not.toBe(first.digest);
      // A mistake is reported every time, not only the first.
      await writeFile(entities, `${one}    kind: planet\n`);
      for (let i = 0; i < 2; i += 1) {
        await expect(loadKnowledgeBase(dir, dir)).rejects.toBeInstanceOf(ContentError);
      }
      await writeFile(entities, one);
      expect((await loadKnowledgeBase(dir, dir)).digest).toBe(first.digest);
      // A new rejected.yaml is a change too, though the file is optional.
      await writeFile(path.join(dir, "rejected.yaml"), "rejected:\n  - name: Nobody\n");
      expect((await loadKnowledgeBase(dir, dir)).rejected.map((r) => r.name)).toEqual(["Nobody"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("names file, line and field of every mistake", async () => {
    const root = await mkdtemp(path.join(tmpdir(), "kb-"));
    await writeFile(
      path.join(root, "entities.yaml"),
      "entities:\n  - id: a\n    name: A\n    kind: person\n  - id: a\n    name: B\n    kind: planet\n    roles:\n      - role: X\n        from: 2021-02-30\n",
    );
    const second = await mkdtemp(path.join(tmpdir(), "kb-"));
    await writeFile(
      path.join(second, "entities.yaml"),
      "entities:\n  - id: a\n    name: A\n    kind: person\n  - id: a\n    name: B\n    kind: place\n",
    );
    await writeFile(
      path.join(second, "topics.yaml"),
      "topics:\n  - id: t\n    label: T\n    rules:\n      entities:\n        - id: nobody\n",
    );
    const crossError = await loadKnowledgeBase(second, second).catch((e: unknown) => e);
    expect((crossError as ContentError).problems.map(formatProblem)).toEqual([
      'entities.yaml:5: entities.1.id: "a" is already the id of A',
      'topics.yaml:6: topics.0.rules.entities.0.id: unknown entity id "nobody"',
    ]);
    await rm(second, { recursive: true, force: true });
    await writeFile(
      path.join(root, "topics.yaml"),
      "topics:\n  - id: t\n    label: T\n    rules:\n      entities:\n        - id: nobody\n",
    );
    const error = await loadKnowledgeBase(root, root).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContentError);
    expect((error as ContentError).problems.map(formatProblem)).toEqual([
      'entities.yaml:7: entities.1.kind: Invalid option: expected one of "person"|"organization"|"place"',
      'entities.yaml:10: entities.1.roles.0.from: "2021-02-30" is not a valid date (expected YYYY-MM-DD)',
    ]);
    await rm(root, { recursive: true, force: true });
  });
});
