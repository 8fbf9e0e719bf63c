import { SearchFilterTags, topicSearchFilters } from "../src/site/discover/search-filters.tsx";
import type { EntityPage } from "../src/site/pages.ts";
import { pagePath, sliceFor } from "../src/site/pagination.ts";
import { loadedProject } from "../src/site/project.ts";
import { routes } from "../src/site/views.ts";
import { Layout } from "./_lib/layout.tsx";
import { Pager, PagerLinks } from "./_lib/pager.tsx";
import { ArticleList, CountLabel } from "./_lib/parts.tsx";
import { Timeline } from "./_lib/timeline.tsx";

export const data = {
  pagination: { data: "pages.topicPages", size: 1, alias: "listPage" },
  permalink: (page: { listPage: EntityPage }) => pagePath(page.listPage.base, page.listPage.number),
};

export function render({ listPage }: { listPage: EntityPage }) {
  const { archive, config } = loadedProject();
  const topic = archive.topicById.get(listPage.id);
  if (!topic) throw new Error(`No topic ${listPage.id}`);
  const items = sliceFor(topic.articleIds, listPage, config.pageSize).flatMap((id) => {
    const article = archive.articleById.get(id);
    if (!article) return [];
    const evidence = article.analysis.topics.find((t) => t.id === topic.id)?.evidence ?? [];
    return [
      { article, excerpt: evidence.length > 0 ? `Evidence: ${evidence.join(", ")}` : undefined },
    ];
  });
  return (
    <Layout
      title={listPage.number > 1 ? `${topic.label} (page ${listPage.number})` : topic.label}
      description={topic.definition}
      path={pagePath(listPage.base, listPage.number)}
      head={<PagerLinks page={listPage} />}
      breadcrumbs={[{ label: "Topics", path: routes.topics() }]}
      feedPath={routes.topic(topic.id)}
    >
      {/* As on entity pages: the first page is found by the topic's label and definition. */}
      <div data-pagefind-body={listPage.number === 1 ? "" : undefined}>
        <SearchFilterTags filters={topicSearchFilters(topic)} />
        <h1>{topic.label}</h1>
        {/* Its count is left out of search, as on entity pages. */}
        <p class="meta">
          Topic
          <span data-pagefind-ignore="">
            {" "}
            · <CountLabel count={topic.articleIds.length} one="article" />
          </span>
        </p>
        {topic.definition ? <p>{topic.definition}</p> : null}
        <div data-pagefind-ignore="all">
          {listPage.number === 1 ? (
            <Timeline
              articles={topic.articleIds.flatMap((id) => archive.articleById.get(id) ?? [])}
              id="timeline-topic"
              label={`Articles on ${topic.label}`}
            />
          ) : null}
          <h2>Articles</h2>
          <ArticleList items={items} />
          <Pager page={listPage} label={`Articles on ${topic.label}`} />
        </div>
      </div>
    </Layout>
  );
}
