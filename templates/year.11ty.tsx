import type { YearPage } from "../src/site/pages.ts";
import { pagePath, sliceFor } from "../src/site/pagination.ts";
import { loadedProject } from "../src/site/project.ts";
import { monthName, plural, routes } from "../src/site/views.ts";
import { Layout } from "./_lib/layout.tsx";
import { Pager, PagerLinks } from "./_lib/pager.tsx";
import { ArticleList } from "./_lib/parts.tsx";

export const data = {
  pagination: { data: "pages.yearPages", size: 1, alias: "listPage" },
  permalink: (page: { listPage: YearPage }) => pagePath(page.listPage.base, page.listPage.number),
};

export function render({ listPage }: { listPage: YearPage }) {
  const { archive, config } = loadedProject();
  const year = archive.years.find((y) => y.year === listPage.year);
  if (!year) throw new Error(`No year ${listPage.year}`);
  const onPage = new Set(sliceFor(year.articleIds, listPage, config.pageSize));
  const months = year.months
    .map((month) => ({ month, ids: month.articleIds.filter((id) => onPage.has(id)) }))
    .filter(({ ids }) => ids.length > 0);
  return (
    <Layout
      title={listPage.number > 1 ? `${year.year} (page ${listPage.number})` : `${year.year}`}
      path={pagePath(listPage.base, listPage.number)}
      description={`Articles of ${year.year}.`}
      breadcrumbs={[{ label: "Archive", path: routes.archive() }]}
      head={<PagerLinks page={listPage} />}
    >
      <h1>{year.year}</h1>
      <p>{plural(year.articleIds.length, "article")}, newest first.</p>
      {months.map(({ month, ids }) => {
        const articles = ids.flatMap((id) => archive.articleById.get(id) ?? []);
        const dated = articles.filter((a) => !a.dateEstimated);
        const estimated = articles.filter((a) => a.dateEstimated);
        const label = `${monthName(month.month)} ${year.year}`;
        return (
          <section key={month.key} aria-labelledby={`m${month.key}`}>
            <h2 id={`m${month.key}`}>{label}</h2>
            {dated.length > 0 ? (
              <ArticleList items={dated.map((article) => ({ article }))} />
            ) : null}
            {estimated.length > 0 ? (
              <>
                {/* Filed here by the start of an estimated period, so kept apart from dated articles. */}
                <h3>Undated, estimated from {label}</h3>
                <ArticleList items={estimated.map((article) => ({ article }))} />
              </>
            ) : null}
          </section>
        );
      })}
      <Pager page={listPage} label={`Articles of ${year.year}`} />
    </Layout>
  );
}
