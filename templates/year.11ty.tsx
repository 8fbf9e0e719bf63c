import { loadedProject } from "../src/site/project.ts";
import { monthName, plural, routes } from "../src/site/views.ts";
import { Layout } from "./_lib/layout.tsx";
import { ArticleList } from "./_lib/parts.tsx";

export const data = {
  pagination: { data: "pages.years", size: 1, alias: "year" },
  permalink: (page: { year: number }) => routes.year(page.year),
};

export function render(page: { year: number }) {
  const { archive } = loadedProject();
  const year = archive.years.find((y) => y.year === page.year);
  if (!year) throw new Error(`No year ${page.year}`);
  return (
    <Layout
      title={`${year.year}`}
      path={routes.year(year.year)}
      description={`Articles of ${year.year}.`}
      breadcrumbs={[{ label: "Archive", path: routes.archive() }]}
    >
      <h1>{year.year}</h1>
      <p>{plural(year.articleIds.length, "article")}.</p>
      {year.months.map((month) => (
        <section key={month.key} aria-labelledby={`m${month.key}`}>
          <h2 id={`m${month.key}`}>
            {monthName(month.month)} {year.year}
          </h2>
          <ArticleList
            items={month.articleIds.flatMap((id) => {
              const article = archive.articleById.get(id);
              return article ? [{ article }] : [];
            })}
          />
        </section>
      ))}
    </Layout>
  );
}
