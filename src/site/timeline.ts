import type { ArchiveArticle } from "../archive/index.ts";

/**
 * Articles over time, by month. Dated articles are counted in their month; undated articles with
 * an estimated period are kept apart as ranges, because drawing them as points would state a date
 * the text never gave.
 */

export interface TimelineMonth {
  key: string;
  count: number;
}

export interface TimelineRange {
  articleId: string;
  title: string;
  from: string;
  to: string;
}

export interface Timeline {
  months: TimelineMonth[];
  ranges: TimelineRange[];
  max: number;
}

/** Every month from the first to the last, so gaps show as gaps. */
function monthSpan(first: string, last: string): string[] {
  const keys: string[] = [];
  let year = Number(first.slice(0, 4));
  let month = Number(first.slice(5, 7));
  const end = Number(last.slice(0, 4)) * 12 + Number(last.slice(5, 7));
  while (year * 12 + month <= end && keys.length < 1200) {
    keys.push(`${year}-${String(month).padStart(2, "0")}`);
    month += 1;
    if (month > 12) {
      month = 1;
      year += 1;
    }
  }
  return keys;
}

export function timelineOf(articles: readonly ArchiveArticle[]): Timeline | null {
  const counts = new Map<string, number>();
  const ranges: TimelineRange[] = [];
  for (const a of articles) {
    if (a.date) counts.set(a.date.slice(0, 7), (counts.get(a.date.slice(0, 7)) ?? 0) + 1);
    else if (a.analysis.estimatedPeriod) {
      ranges.push({
        articleId: a.id,
        title: a.title,
        from: a.analysis.estimatedPeriod.from.slice(0, 7),
        to: a.analysis.estimatedPeriod.to.slice(0, 7),
      });
    }
  }
  const bounds = [...counts.keys(), ...ranges.flatMap((r) => [r.from, r.to])].sort();
  const first = bounds[0];
  const last = bounds.at(-1);
  if (!first || !last) return null;
  const months = monthSpan(first, last).map((key) => ({ key, count: counts.get(key) ?? 0 }));
  return {
    months,
    ranges: ranges.sort(
      (a, b) => a.from.localeCompare(b.from) || a.articleId.localeCompare(b.articleId),
    ),
    max: Math.max(1, ...months.map((m) => m.count)),
  };
}

export interface TimelinePeriod {
  from: string;
  to: string;
  /** Articles estimated to this exact period. */
  count: number;
}

export interface PackedPeriods {
  rows: TimelinePeriod[][];
  /** Periods that did not fit in `maxRows` rows; the table still lists them. */
  hidden: number;
}

/**
 * Estimated periods for drawing: articles estimated to the same period share one range, and ranges
 * that do not overlap share a row, so hundreds of estimates draw in a few rows instead of a dozen
 * of them standing for all.
 */
export function packPeriods(ranges: readonly TimelineRange[], maxRows: number): PackedPeriods {
  const merged = new Map<string, TimelinePeriod>();
  for (const r of ranges) {
    const key = `${r.from}/${r.to}`;
    const period = merged.get(key) ?? { from: r.from, to: r.to, count: 0 };
    period.count += 1;
    merged.set(key, period);
  }
  const periods = [...merged.values()].sort(
    (a, b) => a.from.localeCompare(b.from) || a.to.localeCompare(b.to),
  );
  const rows: TimelinePeriod[][] = [];
  let hidden = 0;
  for (const period of periods) {
    // First fit: the first row whose last range ends before this one starts.
    const row = rows.find((r) => (r.at(-1)?.to ?? "") < period.from);
    if (row) row.push(period);
    else if (rows.length < maxRows) rows.push([period]);
    else hidden += 1;
  }
  return { rows, hidden };
}
