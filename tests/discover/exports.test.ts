import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { Archive } from "../../src/archive/index.ts";
import { buildArchive, unpackMentions } from "../../src/archive/index.ts";
import {
  csvCell,
  DATA_EXPORT_PATHS,
  exportedPart,
  exportText,
  toCsv,
  writeDataExports,
} from "../../src/site/exports.ts";
import { config, HOSTILE_TITLE, kb, testArchive, textOf } from "./corpus.ts";

/** The documented shapes, strict: a field added or renamed without a README note fails here. */
const articlesSchema = z.strictObject({
  articles: z.array(
    z.strictObject({
      id: z.string(),
      sourceFile: z.string(),
      url: z.url(),
      title: z.string(),
      date: z.string().nullable(),
      dateEvidence: z.string().nullable(),
      dateFlag: z.string().nullable(),
      estimatedPeriod: z.strictObject({ from: z.string(), to: z.string() }).nullable(),
      source: z.string().nullable(),
      dateline: z.string().nullable(),
      entities: z.array(
        z.strictObject({
          id: z.string(),
          name: z.string(),
          kind: z.enum(["person", "organization", "place"]),
          mentions: z.number().int().positive(),
          discovered: z.boolean(),
          surfaceForms: z.array(z.string()).min(1),
        }),
      ),
      topics: z.array(
        z.strictObject({ id: z.string(), label: z.string(), score: z.number().nullable() }),
      ),
    }),
  ),
});

const entitiesSchema = z.strictObject({
  entities: z.array(
    z.strictObject({
      id: z.string(),
      name: z.string(),
      kind: z.enum(["person", "organization", "place"]),
      aliases: z.array(z.string()),
      description: z.string(),
      discovered: z.boolean(),
      url: z.url(),
      articles: z.array(z.string()).min(1),
    }),
  ),
});

/** A strict RFC 4180 reader, so the tests check what a spreadsheet would actually read. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i += 1;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') {
      if (cell !== "") throw new Error(`quote inside an unquoted field at ${i}`);
      quoted = true;
    } else if (c === ",") {
      row.push(cell);
      cell = "";
    } else if (c === "\r" && text[i + 1] === "\n") {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
      i += 1;
    } else if (c === "\n" || c === "\r") throw new Error(`bare line break at ${i}`);
    else cell += c;
  }
  if (quoted) throw new Error("unterminated quote");
  if (cell !== "" || row.length > 0) throw new Error("last record lacks CRLF");
  return rows;
}

/** An export as the site serves it. */
function exported(sitePath: string, archive: Archive = testArchive()): string {
  const text = exportText(sitePath, archive, kb, config);
  if (text === undefined) throw new Error(`no export ${sitePath}`);
  return text;
}

describe("articles.json and entities.json", () => {
  it("match the documented schema", () => {
    const archive = testArchive();
    const articles = articlesSchema.parse(
      JSON.parse(exported("/data/articles.json", archive)),
    ).articles;
    expect(articles.map((a) => a.id)).toEqual(archive.articles.map((a) => a.id));
    const falls = articles.find((a) => a.id === "wire-2021-08-16-kabul-falls");
    expect(falls).toMatchObject({
      sourceFile: "wire-2021-08-16-kabul-falls.txt",
      url: "https://news.example.org/wire/articles/wire-2021-08-16-kabul-falls/",
      date: "2021-08-16",
      dateEvidence: "Header: 2021-08-16",
      dateFlag: null,
      estimatedPeriod: null,
      source: "Wire",
      dateline: "KABUL",
      topics: [{ id: "withdrawal", label: "Withdrawal", score: 4 }],
    });
    expect(falls?.entities).toContainEqual({
      id: "hamdullah-mohib",
      name: "Hamdullah Mohib",
      kind: "person",
      mentions: 1,
      discovered: true,
      surfaceForms: ["Mr Mohib"],
    });
    const estimate = articles.find((a) => a.id === "undated-estimate");
    expect(estimate?.date).toBeNull();
    expect(estimate?.estimatedPeriod).toEqual({ from: "2021-09-01", to: "2022-03-31" });
    expect(articles.find((a) => a.id === "wire-2021-04-02-talks")?.dateFlag).toMatch(/earlier/);

    const entities = entitiesSchema.parse(
      JSON.parse(exported("/data/entities.json", archive)),
    ).entities;
    expect(entities.find((e) => e.id === "nato")).toEqual({
      id: "nato",
      name: "NATO",
      kind: "organization",
      aliases: ["North Atlantic Treaty Organization"],
      description: "NATO, for tests.",
      discovered: false,
      url: "https://news.example.org/wire/entities/nato/",
      articles: [
        "wire-2021-08-16-kabul-falls",
        "post-2021-04-14-withdrawal",
        "wire-2021-04-02-talks",
        "undated-plain",
      ],
    });
    expect(entities.find((e) => e.id === "hamdullah-mohib")?.discovered).toBe(true);
  });

  it("include topics an editor assigned, with no score, as the topic pages do", () => {
    const { articles } = articlesSchema.parse(JSON.parse(exported("/data/articles.json")));
    expect(articles.find((a) => a.id === "undated-plain")?.topics).toEqual([
      { id: "withdrawal", label: "Withdrawal", score: null },
    ]);
  });

  it("are the same bytes whatever order the articles were read in", () => {
    const a = testArchive();
    const b = testArchive("reversed");
    expect(DATA_EXPORT_PATHS).toHaveLength(5);
    for (const sitePath of DATA_EXPORT_PATHS) {
      expect(exported(sitePath, b), sitePath).toBe(exported(sitePath, a));
    }
  });
});

describe("CSV exports", () => {
  it("quote per RFC 4180 and read back to the same text", () => {
    const rows = parseCsv(exported("/data/articles.csv"));
    const header = rows[0] ?? [];
    expect(header.slice(0, 4)).toEqual(["id", "sourceFile", "url", "title"]);
    expect(rows.every((r) => r.length === header.length)).toBe(true);
    const hostile = rows.find((r) => r[0] === "post-2021-04-14-withdrawal");
    expect(hostile?.[3]).toBe(HOSTILE_TITLE);
    const byName = Object.fromEntries(header.map((h, i) => [h, hostile?.[i]]));
    expect(byName.date).toBe("2021-04-14T18:30:00Z");
    expect(byName.topics).toBe("withdrawal");
  });

  it("list every mention with offsets into the article text", () => {
    const archive = testArchive();
    const rows = parseCsv(exported("/data/mentions.csv", archive));
    expect(rows[0]).toEqual(["articleId", "entityId", "start", "end", "surface", "via"]);
    expect(rows.length - 1).toBe(
      archive.articles.reduce((n, a) => n + [...unpackMentions(a.mentionTable)].length, 0),
    );
    for (const [articleId, , start, end, surface] of rows.slice(1)) {
      const text = textOf(articleId ?? "");
      expect(text.slice(Number(start), Number(end))).toBe(surface);
    }
    const text = textOf("wire-2021-08-16-kabul-falls");
    const at = text.indexOf("Mr Mohib");
    expect(rows).toContainEqual([
      "wire-2021-08-16-kabul-falls",
      "hamdullah-mohib",
      String(at),
      String(at + "Mr Mohib".length),
      "Mr Mohib",
      "discovered",
    ]);
  });

  it("defuse cells a spreadsheet would run as formulas", () => {
    for (const formula of ["=1+1", "+1", "-1+2", "@SUM(A1)", "\t=1", "\r=1"]) {
      const [read] = parseCsv(`${toCsv(["x"], [[formula]]).split("\r\n")[1]}\r\n`)[0] ?? [];
      expect(read).toBe(`'${formula}`);
    }
    // Numbers are data, not formulas: a negative count stays a number.
    expect(csvCell(-3)).toBe("-3");
    expect(csvCell("plain")).toBe("plain");
    expect(csvCell(" padded ")).toBe('" padded "');
    expect(csvCell(null)).toBe("");
    expect(csvCell(false)).toBe("false");
  });
});

describe("exports written by a build", () => {
  it("are streamed to the bytes the site serves, JSON formatted as JSON.stringify does, for a full and an empty archive", async () => {
    const empty = buildArchive({ articles: [], analyses: new Map(), discovered: [], kb });
    for (const archive of [testArchive(), empty]) {
      const dir = await mkdtemp(path.join(tmpdir(), "exports-"));
      try {
        await writeDataExports(dir, archive, kb, config);
        expect(DATA_EXPORT_PATHS).toEqual([
          "/data/articles.json",
          "/data/entities.json",
          "/data/articles.csv",
          "/data/entities.csv",
          "/data/mentions.csv",
        ]);
        for (const sitePath of DATA_EXPORT_PATHS) {
          const written = await readFile(path.join(dir, sitePath), "utf8");
          expect(written, sitePath).toBe(exported(sitePath, archive));
          if (sitePath.endsWith(".json")) {
            // Made item by item, yet the same text as stringifying the whole at once.
            expect(written, sitePath).toBe(`${JSON.stringify(JSON.parse(written), null, 2)}\n`);
          }
        }
        // Each was written aside and renamed whole: nothing else is left in the folder.
        expect((await readdir(path.join(dir, "data"))).sort()).toEqual(
          DATA_EXPORT_PATHS.map((p) => p.replace("/data/", "")).sort(),
        );
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
  });

  it("are written only at the site paths asked for, when a build keeps the others", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "exports-"));
    try {
      const archive = testArchive();
      await writeDataExports(dir, archive, kb, config, ["/data/mentions.csv"]);
      expect(await readdir(path.join(dir, "data"))).toEqual(["mentions.csv"]);
      expect(await readFile(path.join(dir, "data", "mentions.csv"), "utf8")).toBe(
        exported("/data/mentions.csv", archive),
      );
      await expect(
        writeDataExports(dir, archive, kb, config, ["/data/nothing.csv"]),
      ).rejects.toThrow("no data export at /data/nothing.csv");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("say what they show, so a build rewrites only those an edit changed", () => {
    expect(DATA_EXPORT_PATHS.map((p) => [p, exportedPart(p)])).toEqual([
      ["/data/articles.json", "records"],
      ["/data/entities.json", "entities"],
      ["/data/articles.csv", "records"],
      ["/data/entities.csv", "entities"],
      ["/data/mentions.csv", "mentions"],
    ]);
    expect(() => exportedPart("/data/nothing.csv")).toThrow("no data export at /data/nothing.csv");
  });
});
