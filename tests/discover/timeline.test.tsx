import { parseDocument } from "htmlparser2";
import { renderToStaticMarkup } from "preact-render-to-string";
import { describe, expect, it } from "vitest";
import { packPeriods, type TimelineRange, timelineOf } from "../../src/site/timeline.ts";
import { Timeline } from "../../templates/_lib/timeline.tsx";
import { testArchive } from "./corpus.ts";

interface Node {
  name?: string;
  attribs?: Record<string, string>;
  children?: Node[];
  data?: string;
}

function all(root: Node, name: string): Node[] {
  const found: Node[] = [];
  const walk = (node: Node) => {
    if (node.name === name) found.push(node);
    for (const child of node.children ?? []) walk(child);
  };
  walk(root);
  return found;
}

const text = (node: Node | undefined): string =>
  node ? (node.data ?? "") + (node.children ?? []).map(text).join("") : "";

function render() {
  const archive = testArchive();
  const html = renderToStaticMarkup(
    <Timeline articles={archive.articles} id="t" label="The whole archive" />,
  );
  return { archive, html, doc: parseDocument(html) as unknown as Node };
}

describe("timeline data", () => {
  it("counts dated articles per month over an unbroken span and keeps estimates apart", () => {
    const timeline = timelineOf(testArchive().articles);
    expect(timeline?.months.map((m) => `${m.key}:${m.count}`)).toEqual([
      "2021-04:2",
      "2021-05:0",
      "2021-06:0",
      "2021-07:0",
      "2021-08:1",
      "2021-09:0",
      "2021-10:0",
      "2021-11:0",
      "2021-12:0",
      "2022-01:0",
      "2022-02:0",
      "2022-03:0",
    ]);
    expect(timeline?.ranges).toEqual([
      {
        articleId: "undated-estimate",
        title: "Envoy visits the capital",
        from: "2021-09",
        to: "2022-03",
      },
    ]);
    expect(timelineOf([])).toBeNull();
  });
});

describe("timeline chart", () => {
  it("is an image with a title, one bar per month with articles, and the estimate as a range", () => {
    const { doc } = render();
    const [svg] = all(doc, "svg");
    expect(svg?.attribs?.role).toBe("img");
    const title = all(svg ?? {}, "title")[0];
    expect(svg?.attribs?.["aria-labelledby"]).toBe(title?.attribs?.id);
    expect(text(title)).toBe(
      "The whole archive: 3 dated articles from April 2021 to March 2022, and 1 undated with an estimated period.",
    );
    const rects = all(svg ?? {}, "rect");
    const bars = rects.filter((r) => r.attribs?.class === "bar");
    const step = 720 / 12;
    // April (two articles) and August (one): each bar sits in its own month's slot, heights in ratio.
    expect(bars.map((b) => Math.floor(Number(b.attribs?.x) / step))).toEqual([0, 4]);
    expect(bars.map((b) => Number(b.attribs?.height))).toEqual([120, 60]);
    const [range, ...others] = rects.filter((r) => r.attribs?.class === "estimate");
    expect(others).toEqual([]);
    // A range from September 2021 to March 2022: seven months wide, never a point.
    expect(Number(range?.attribs?.x)).toBeCloseTo(5 * step, 1);
    expect(Number(range?.attribs?.width)).toBeCloseTo(7 * step, 1);
  });

  it("has a table alternative with month and count, and the estimate's period", () => {
    const { doc, html } = render();
    const [details] = all(doc, "details");
    const tables = all(details ?? {}, "table");
    const rows = (table: Node | undefined) =>
      all(table ?? {}, "tr")
        .slice(1)
        .map((tr) => (tr.children ?? []).filter((c) => c.name).map((c) => text(c)));
    expect(rows(tables[0])).toEqual([
      ["April 2021", "2"],
      ["August 2021", "1"],
    ]);
    expect(rows(tables[1])).toEqual([["Envoy visits the capital", "September 2021 – March 2022"]]);
    expect(html).not.toContain("<script");
  });
});

describe("estimated periods", () => {
  const range = (n: number, from: string, to: string): TimelineRange => ({
    articleId: `a${n}`,
    title: `A${n}`,
    from,
    to,
  });

  it("merge identical periods and share rows between periods that do not overlap", () => {
    const ranges = [
      ...Array.from({ length: 40 }, (_, i) => range(i, "2021-01", "2021-06")),
      range(40, "2021-07", "2021-09"),
      range(41, "2021-03", "2021-12"),
      range(42, "2022-01", "2022-02"),
    ];
    expect(packPeriods(ranges, 12)).toEqual({
      rows: [
        [
          { from: "2021-01", to: "2021-06", count: 40 },
          { from: "2021-07", to: "2021-09", count: 1 },
          { from: "2022-01", to: "2022-02", count: 1 },
        ],
        [{ from: "2021-03", to: "2021-12", count: 1 }],
      ],
      hidden: 0,
    });
  });

  it("draw at most the given rows and count what is left to the table", () => {
    // Fifteen distinct periods that all overlap: none can share a row.
    const overlapping = Array.from({ length: 15 }, (_, i) => range(i, "2020-01", `${2030 + i}-01`));
    const packed = packPeriods(overlapping, 12);
    expect(packed.rows).toHaveLength(12);
    expect(packed.hidden).toBe(3);
  });

  it("are drawn one range per distinct period in the chart, each titled with its count", () => {
    const archive = testArchive();
    const estimated = archive.articleById.get("undated-estimate");
    if (!estimated) throw new Error("fixture");
    const copies = Array.from({ length: 30 }, (_, i) => ({ ...estimated, id: `copy-${i}` }));
    const html = renderToStaticMarkup(
      <Timeline articles={[...archive.articles, ...copies]} id="t" label="Many" />,
    );
    const doc = parseDocument(html) as unknown as Node;
    const ranges = all(doc, "rect").filter((r) => r.attribs?.class === "estimate");
    expect(ranges).toHaveLength(1);
    expect(text(ranges[0])).toBe("31 undated articles estimated September 2021 – March 2022");
    // The table still names every article.
    const tables = all(all(doc, "details")[0] ?? {}, "table");
    expect(all(tables[1] ?? {}, "tr").length - 1).toBe(31);
  });
});
