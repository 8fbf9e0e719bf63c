import { type PageOf, pagePath, sliceFor } from "../src/site/pagination.ts";
import { loadedProject } from "../src/site/project.ts";
import { plural, routes } from "../src/site/views.ts";
import { Layout } from "./_lib/layout.tsx";
import { Pager, PagerLinks } from "./_lib/pager.tsx";
import { ArticleList } from "./_lib/parts.tsx";

export const data = {
  pagination: { data: "pages.undatedPages", size: 1, alias: "listPage" },
  permalink: (page: { listPage: PageOf }) => pagePath(page.listPage.base, page.listPage.number),
};

export function render({ listPage }: { listPage: PageOf }) {
  const { archive, config } = loadedProject();
  const articles = sliceFor(archive.undatedIds, listPage, config.pageSize).flatMap((id) => {
    const article = archive.articleById.get(id);
    return article ? [{ article }] : [];
  });
  const title = "Undated articles";
  return (
    <Layout
      title={listPage.number > 1 ? `${title} (page ${listPage.number})` : title}
      path={pagePath(listPage.base, listPage.number)}
      description="Articles whose text states no date and which nothing in it dates."
      breadcrumbs={[{ label: "Archive", path: routes.archive() }]}
      head={<PagerLinks page={listPage} />}
    >
      <h1>{title}</h1>
      <p>
        {plural(archive.undatedIds.length, "article")} whose text states no date and which nothing
        in it dates.
      </p>
      <ArticleList items={articles} />
      <Pager page={listPage} label={title} />
    </Layout>
  );
}
