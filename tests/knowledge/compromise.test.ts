import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { compromise } from "../../src/knowledge/nlp.ts";
import { installFastSweep, withLibrarySweep } from "../../src/knowledge/sweep.ts";
import { REPO } from "../helpers/site.ts";

/** Article text of every kind the repository holds: seed articles, raw fixtures, unseen outlets. */
function paragraphs(): string[] {
  const files = [
    ...readdirSync(path.join(REPO, "content/articles")).map((f) => `content/articles/${f}`),
    ...readdirSync(path.join(REPO, "tests/fixtures/raw")).map((f) => `tests/fixtures/raw/${f}`),
    ...readdirSync(path.join(REPO, "tests/fixtures/unseen"))
      .filter((f) => f.endsWith(".txt"))
      .map((f) => `tests/fixtures/unseen/${f}`),
  ];
  return files
    .flatMap((file) => readFileSync(path.join(REPO, file), "utf8").split(/\n\s*\n/))
    .map((p) => p.trim())
    .filter((p) => /\p{L}/u.test(p));
}

/** Sentences written to reach patterns the articles may not: contractions, numbers, titles, quotes. */
const WRITTEN = [
  "Mr. Stoltenberg didn't say whether the U.S. would've stayed past May 1st, 2021.",
  "“We won't leave,” said Gen. Austin Scott Miller, the top U.S. commander in Kabul.",
  "Zalmay Khalilzad, the U.S. special envoy, met Mullah Abdul Ghani Baradar in Doha on Tuesday.",
  "The Pentagon's spokesman, John Kirby, told reporters 2,500 troops were being withdrawn.",
  "Taliban fighters took Kunduz, Herat and Kandahar within a week; Ashraf Ghani fled to the U.A.E.",
  "NATO Secretary-General Jens Stoltenberg said allies had agreed to go out together.",
  "She'd been running the ministry since '19 and wasn't going to resign, was she?",
  "Dr. Abdullah Abdullah, chairman of the High Council for National Reconciliation, wept.",
  "IT'S ALL CAPS HERE AND THE PRESIDENT OF THE UNITED STATES SPOKE AT 3PM.",
  "Kabul-based analyst Ahmad Shuja Jamal wrote that the deal was 'a fig leaf'.",
  "The 101st Airborne, the U.K.'s Ministry of Defence and the E.U. all responded by 5:30 p.m.",
  "Biden, Blinken, Sullivan and Milley met at Camp David on Aug. 14 to discuss evacuations.",
  "hello",
  "",
];

type Net = ReturnType<ReturnType<typeof compromise>["buildNet"]>;
let net: Net | null = null;
function patterns(): Net {
  net ??= compromise().buildNet(
    [
      "#Person+ (said|told|says)",
      "[#ProperNoun+] of #Place",
      "(the|a) #Adjective? #Noun",
      ". .",
    ].map((match) => ({ match })),
  );
  return net;
}

/** Everything compromise says about a text: every term's tags, its people, places, matches. */
function reading(text: string): string {
  const nlp = compromise();
  const doc = nlp(text);
  // Term ids are numbered per process, not per text: left out.
  return JSON.stringify(
    {
      terms: doc.json({ terms: { tags: true, offset: true } }),
      people: doc.people().out("array"),
      organizations: doc.organizations().out("array"),
      places: doc.places().out("array"),
      // Compiled patterns ("nets") are swept as the post-tagger's are; one needs no word at all.
      matched: doc.match(patterns()).out("array"),
      first: doc.matchOne(patterns()).text(),
    },
    (key, value: unknown) => (key === "id" ? undefined : value),
  );
}

describe("the faster compromise sweep", () => {
  it("is the one compromise uses, installed once", () => {
    const nlp = compromise();
    expect(installFastSweep(nlp)).toBe(false);
    const methods = (nlp.world() as { methods: { one: { bulkMatch: unknown } } }).methods;
    const ours = methods.one.bulkMatch;
    expect(withLibrarySweep(nlp, () => methods.one.bulkMatch)).not.toBe(ours);
    expect(methods.one.bulkMatch).toBe(ours);
  });

  it("tags every sentence and paragraph of the repository's articles as compromise's own does", () => {
    const texts = paragraphs();
    const sentences = texts.flatMap((p) => p.match(/[^.!?\n]+(?:[.!?]+["”’)]*|\n|$)/g) ?? []);
    const all = [...texts, ...sentences, ...WRITTEN];
    expect(all.length).toBeGreaterThan(300);
    const differing = all.filter(
      (text) => reading(text) !== withLibrarySweep(compromise(), () => reading(text)),
    );
    expect(differing).toEqual([]);
    // The comparison has something to compare: names found, and found the same way.
    const found = JSON.parse(reading(WRITTEN[2] as string)) as { people: string[] };
    expect(found.people).toContain("Mullah Abdul Ghani Baradar");
  });
});

describe("the finders discovery skips", () => {
  it("find nothing in a text where no term carries their tag", () => {
    const nlp = compromise();
    const texts = [...paragraphs(), ...WRITTEN];
    let skipped = 0;
    for (const text of texts) {
      const doc = nlp(text);
      const tags = new Set(doc.docs.flatMap((terms) => terms.flatMap((t) => [...(t.tags ?? [])])));
      const finders = [
        [["Person"], () => doc.people()],
        [["Organization"], () => doc.organizations()],
        [["Place", "Address"], () => doc.places()],
      ] as const;
      for (const [needed, find] of finders) {
        if (needed.some((tag) => tags.has(tag))) continue;
        skipped += 1;
        expect(find().out("array"), `${needed.join("|")} in ${text}`).toEqual([]);
      }
    }
    expect(skipped).toBeGreaterThan(20);
  });
});
