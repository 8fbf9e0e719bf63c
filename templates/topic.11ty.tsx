import { loadedProject } from "../src/site/project.ts";
import { routes } from "../src/site/views.ts";
import { Layout } from "./_lib/layout.tsx";
import { ArticleList, CountLabel } from "./_lib/parts.tsx";

export const data = {
  pagination: { data: "pages.topics", size: 1, alias: "topicId" },
  permalink: (page: { topicId: string }) => routes.topic(page.topicId),
};

export function render(page: { topicId: string }) {
  const { archive } = loadedProject();
  const topic = archive.topicById.get(page.topicId);
  if (!topic) throw new Error(`No topic ${page.topicId}`);
  const items = topic.articleIds.flatMap((id) => {
    const article = archive.articleById.get(id);
    if (!article) return [];
    const evidence = article.analysis.topics.find((t) => t.id === topic.id)?.evidence ?? [];
    return [
      { article, excerpt: evidence.length > 0 ? `Evidence: ${evidence.join(", ")}` : undefined },
    ];
  });
  return (
    <Layout
      title={topic.label}
      description={topic.definition}
      path={routes.topic(topic.id)}
      breadcrumbs={[{ label: "Topics", path: routes.topics() }]}
      feedPath={routes.topic(topic.id)}
    >
      <div data-pagefind-body="">
        <span hidden data-pagefind-filter="type">
          Topic
        </span>
        <h1>{topic.label}</h1>
        <p class="meta">
          Topic · <CountLabel count={topic.articleIds.length} one="article" />
        </p>
        {topic.definition ? <p>{topic.definition}</p> : null}
        <h2>Articles</h2>
        <ArticleList items={items} />
      </div>
    </Layout>
  );
}
