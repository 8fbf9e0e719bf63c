import type { ArchiveArticle } from "../../src/archive/index.ts";
import { packPeriods, timelineOf } from "../../src/site/timeline.ts";
import { formatMonth } from "../../src/site/views.ts";
import { DataTable } from "./parts.tsx";

const WIDTH = 720;
const BAR_AREA = 120;
const RANGE_ROW = 8;
const AXIS = 18;
const MAX_RANGE_ROWS = 12;

/** An SVG chart drawn at build time, with the same numbers as a table for screen readers and print. */
export function Timeline({
  articles,
  id,
  label,
}: {
  articles: readonly ArchiveArticle[];
  id: string;
  label: string;
}) {
  const timeline = timelineOf(articles);
  if (!timeline) return null;
  const { months, ranges, max } = timeline;
  const step = WIDTH / months.length;
  const index = new Map(months.map((m, i) => [m.key, i]));
  const packed = packPeriods(ranges, MAX_RANGE_ROWS);
  const rangeRows = packed.rows.length;
  const height = BAR_AREA + AXIS + rangeRows * RANGE_ROW + (rangeRows > 0 ? 6 : 0);
  const years = months.filter((m, i) => m.key.endsWith("-01") || i === 0);
  const titleId = `${id}-title`;
  const dated = months.reduce((sum, m) => sum + m.count, 0);
  return (
    <figure class="timeline">
      <svg viewBox={`0 0 ${WIDTH} ${height}`} role="img" aria-labelledby={titleId}>
        <title id={titleId}>
          {`${label}: ${dated} dated articles from ${formatMonth(months[0]?.key ?? "")} to ${formatMonth(months.at(-1)?.key ?? "")}${ranges.length ? `, and ${ranges.length} undated with an estimated period` : ""}.`}
        </title>
        {months.map((m, i) =>
          m.count > 0 ? (
            <rect
              key={m.key}
              class="bar"
              fill="currentColor"
              x={(i * step + step * 0.1).toFixed(2)}
              y={(BAR_AREA - (m.count / max) * BAR_AREA).toFixed(2)}
              width={Math.max(1, step * 0.8).toFixed(2)}
              height={((m.count / max) * BAR_AREA).toFixed(2)}
            />
          ) : null,
        )}
        <line
          x1="0"
          x2={WIDTH}
          y1={BAR_AREA}
          y2={BAR_AREA}
          stroke="currentColor"
          stroke-width="1"
        />
        {years.map((m) => (
          <text
            key={m.key}
            x={((index.get(m.key) ?? 0) * step).toFixed(2)}
            y={BAR_AREA + 13}
            font-size="11"
            fill="currentColor"
          >
            {m.key.slice(0, 4)}
          </text>
        ))}
        {packed.rows.flatMap((periods, row) =>
          periods.map((r) => {
            const x1 = (index.get(r.from) ?? 0) * step;
            const x2 = ((index.get(r.to) ?? months.length - 1) + 1) * step;
            const y = BAR_AREA + AXIS + row * RANGE_ROW + 4;
            return (
              <rect
                key={`${r.from}/${r.to}`}
                class="estimate"
                x={x1.toFixed(2)}
                y={y}
                width={Math.max(2, x2 - x1).toFixed(2)}
                height="4"
              >
                <title>
                  {`${r.count === 1 ? "1 undated article" : `${r.count} undated articles`} estimated ${formatMonth(r.from)} – ${formatMonth(r.to)}`}
                </title>
              </rect>
            );
          }),
        )}
      </svg>
      <details>
        <summary>Timeline as a table</summary>
        <DataTable
          caption={`${label}: articles per month`}
          columns={["Month", "Dated articles"]}
          rows={months
            .filter((m) => m.count > 0)
            .map((m) => ({ key: m.key, header: formatMonth(m.key), cells: [m.count] }))}
        />
        {ranges.length > 0 ? (
          <DataTable
            caption="Undated articles and their estimated periods"
            columns={["Article", "Estimated period"]}
            rows={ranges.map((r) => ({
              key: r.articleId,
              header: r.title,
              cells: [`${formatMonth(r.from)} – ${formatMonth(r.to)}`],
            }))}
          />
        ) : null}
      </details>
      <figcaption>
        Articles per month
        {ranges.length > 0
          ? "; dashed bars below the axis are undated articles, drawn over their estimated period"
          : ""}
        {packed.hidden > 0
          ? `; ${packed.hidden} more estimated periods are listed in the table only`
          : ""}
        .
      </figcaption>
    </figure>
  );
}
