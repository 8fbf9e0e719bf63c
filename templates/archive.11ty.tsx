import { monthPath } from "../src/site/pages.ts";
import { loadedProject, permalinkIfSelected } from "../src/site/project.ts";
import { href, monthName, plural, routes } from "../src/site/views.ts";
import { Layout } from "./_lib/layout.tsx";

export const data = { permalink: () => permalinkIfSelected("/archive/") };

export function render() {
  const { config, archive } = loadedProject();
  return (
    <Layout title="Archive" path={routes.archive()} description="Every article by year and month.">
      <h1>Archive</h1>
      <p>
        Articles by the date their text states. Undated articles are filed under the period their
        content implies, marked as an estimate.
      </p>
      {archive.years.map((year) => (
        <section key={year.year} aria-labelledby={`y${year.year}`}>
          <h2 id={`y${year.year}`}>
            <a href={href(config, routes.year(year.year))}>{year.year}</a>{" "}
            <span class="count">({plural(year.articleIds.length, "article")})</span>
          </h2>
          <ul class="month-list">
            {year.months.map((month) => (
              <li key={month.key}>
                <a href={href(config, monthPath(archive, config, month.key))}>
                  {monthName(month.month)}
                </a>{" "}
                <span class="count">({month.articleIds.length})</span>
              </li>
            ))}
          </ul>
        </section>
      ))}
      {archive.undatedIds.length > 0 ? (
        <section aria-labelledby="undated">
          {/* Linked, not listed: their number grows with the archive, and this page must not. */}
          <h2 id="undated">
            <a href={href(config, routes.undated())}>Undated</a>{" "}
            <span class="count">({plural(archive.undatedIds.length, "article")})</span>
          </h2>
          <p>The text of these articles states no date and nothing in it dates them.</p>
        </section>
      ) : null}
    </Layout>
  );
}
