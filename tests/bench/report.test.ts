import { describe, expect, it } from "vitest";
import {
  fastestRound,
  rebuildTable,
  roundsNote,
  type SizeResult,
  stageTable,
} from "../../bench/report.ts";

const baseline = { ms: null, peakMb: null, pages: 0, avgPageKb: null };

function sizeResult(articles: number, stages: SizeResult["stages"]): SizeResult {
  return {
    articles,
    seed: 1,
    corpusEntities: 0,
    knowledgeBaseEntities: 0,
    pages: null,
    files: null,
    stages,
    build: { ms: null, peakMb: null },
    msPerPage: null,
    eleventy: baseline,
    hugo: baseline,
    searchIndexBytesPerArticle: null,
    avgPageKb: null,
  };
}

describe("the rebuild table of the bench report", () => {
  it("shows each rebuild's stages, files kept and shards kept, and n/a for what is missing", () => {
    const table = rebuildTable([
      sizeResult(1000, {
        rebuildNoChange: {
          ms: 3640,
          peakMb: 318,
          detail: {
            timings: {
              knowledge: 323,
              articles: 284,
              plan: 398,
              render: 269,
              exports: 812,
              publish: 103,
            },
            pagesReused: 7234,
            searchShardsReused: 2,
            searchShards: 2,
          },
        },
        rebuildOneArticle: { ms: null, peakMb: null, unavailable: "no build" },
      }),
    ]).split("\n");
    expect(table[0]).toBe(
      "| articles | rebuild | total s | knowledge s | articles s | index s | plan s | render s | exports s | search s | publish s | files kept | shards kept |",
    );
    expect(table[2]).toBe(
      "| 1000 | nothing changed | 3.64 | 0.32 | 0.28 | n/a | 0.40 | 0.27 | 0.81 | n/a | 0.10 | 7234 | 2 of 2 |",
    );
    expect(table[3]).toBe(
      "| 1000 | one article changed | n/a | n/a | n/a | n/a | n/a | n/a | n/a | n/a | n/a | n/a | n/a |",
    );
    // The later rebuilds were not measured at all: rows of n/a, not missing rows.
    expect(table[4]).toBe(
      "| 1000 | one article gains a mention | n/a | n/a | n/a | n/a | n/a | n/a | n/a | n/a | n/a | n/a | n/a |",
    );
    expect(table[5]).toBe(
      "| 1000 | a detected entity joins the knowledge base | n/a | n/a | n/a | n/a | n/a | n/a | n/a | n/a | n/a | n/a | n/a |",
    );
    expect(table).toHaveLength(6);
  });
});

describe("the stage table of the bench report", () => {
  it("shows npm start's saves by where they were timed, and why one is missing", () => {
    const kept = { peakMb: null, note: "builder kept" };
    const rows = stageTable([
      sizeResult(1000, {
        serveEdited: { ms: 420, ...kept },
        serveEvery: { ms: 910, ...kept },
        serveEnd: { ms: null, peakMb: null, unavailable: "first build failed" },
      }),
      sizeResult(10000, {
        serveEdited: { ms: 950, ...kept },
        serveEvery: { ms: 1820, ...kept },
        serveEnd: { ms: 4500, ...kept },
      }),
    ]).split("\n");
    const row = (start: string) => rows.find((line) => line.startsWith(`| ${start}`));
    expect(row("**npm start, one article changed: its page reloads**")).toMatch(
      /\| 0\.42 \(builder kept\) \| 0\.95 \(builder kept\) \| 0\.23 \|$/,
    );
    expect(row("**npm start: every other page reloads**")).toMatch(
      /\| 0\.91 \(builder kept\) \| 1\.82 \(builder kept\) \| 0\.20 \|$/,
    );
    expect(row("**npm start: the build ends, search included**")).toMatch(
      /\| n\/a \(first build failed\) \| 4\.50 \(builder kept\) \| n\/a \|$/,
    );
  });
});

describe("rounds of the whole build", () => {
  it("count each tool's fastest round, with the highest peak of them", () => {
    const rounds = [
      { ms: 120_000, peakMb: 900, pages: 3 },
      { ms: 108_000, peakMb: 930, pages: 3 },
      { ms: 111_000, peakMb: null, pages: 3 },
    ];
    expect(fastestRound(rounds)).toEqual({
      ms: 108_000,
      peakMb: 930,
      pages: 3,
      roundsMs: [120_000, 108_000, 111_000],
    });
  });

  it("fail as a whole when one round failed, rather than count the others", () => {
    const failed = { ms: null, peakMb: null, unavailable: "failed: out of memory" };
    expect(fastestRound([{ ms: 100, peakMb: 10 }, failed])).toEqual({
      ...failed,
      roundsMs: [100, null],
    });
  });

  it("are listed under the table round by round, and not at all after a single round", () => {
    const result = sizeResult(10000, {});
    result.build = { ms: 107_900, peakMb: 923, detail: { roundsMs: [112_300, 107_900] } };
    result.eleventy = { ...baseline, ms: 150_100, roundsMs: [164_600, 150_100] };
    result.hugo = { ...baseline, ms: 7_470, roundsMs: [7_470, 7_900] };
    expect(roundsNote([result], 2)).toContain(
      "10000: ours 112.3, 107.9; Eleventy 164.6, 150.1; Hugo 7.47, 7.90.",
    );
    expect(roundsNote([result], 1)).toBe("");
  });
});
