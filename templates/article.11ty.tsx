import { type ArchiveArticle, linkEntities } from "../src/archive/index.ts";
import { articleSearchFilters, SearchFilterTags } from "../src/site/discover/search-filters.tsx";
import { loadedProject } from "../src/site/project.ts";
import { newsArticleNode } from "../src/site/structured.ts";
import { formatDate, formatMonth, href, KIND_LABELS, KINDS, routes } from "../src/site/views.ts";
import { Layout } from "./_lib/layout.tsx";
import { ArticleDate, ArticleList } from "./_lib/parts.tsx";

export const data = {
  pagination: { data: "pages.articles", size: 1, alias: "articleId" },
  permalink: (page: { articleId: string }) => routes.article(page.articleId),
};

function entityHref(entityId: string): string | null {
  const { config, archive } = loadedProject();
  return archive.entityById.has(entityId) ? href(config, routes.entity(entityId)) : null;
}

function DateBlock({ article }: { article: ArchiveArticle }) {
  const estimate = article.analysis.estimatedPeriod;
  return (
    <div class="dates">
      <p>
        <strong>Date:</strong> <ArticleDate article={article} />
        {article.date && article.dateEvidence ? (
          <>
            {" "}
            <span class="evidence">
              (from the header <q>{article.dateEvidence.trim()}</q>)
            </span>
          </>
        ) : null}
        {!article.date ? <span class="evidence"> (the text states no date)</span> : null}
      </p>
      {estimate ? (
        <div class="note estimate">
          <p>
            <strong>Estimated period:</strong> {formatDate(estimate.from)} –{" "}
            {formatDate(estimate.to)}. This is an estimate from the dated roles the article
            mentions, not a date the text states.
          </p>
          <ul>
            {estimate.basis.map((b) => (
              <li key={b}>{b}</li>
            ))}
          </ul>
        </div>
      ) : null}
      {article.analysis.dateFlag ? (
        <div class="note warning" role="note">
          <p>
            <strong>Date warning:</strong> {article.analysis.dateFlag}
          </p>
        </div>
      ) : null}
    </div>
  );
}

export function render(page: { articleId: string }) {
  const { config, archive, kb } = loadedProject();
  const article = archive.articleById.get(page.articleId);
  if (!article) throw new Error(`No article ${page.articleId}`);
  const actors = article.analysis.entities.flatMap((e) => {
    const entity = archive.entityById.get(e.id);
    return entity ? [{ entity, mentions: e.mentions }] : [];
  });
  const topicLabels = new Map(kb.topics.map((t) => [t.id, t.label]));
  const related = archive.related(article.id);
  const topicItems = [
    ...article.analysis.topics.map((topic) => (
      <li key={topic.id}>
        <a href={href(config, routes.topic(topic.id))}>{topicLabels.get(topic.id) ?? topic.id}</a>{" "}
        <span class="count">(score {topic.score})</span>
        <br />
        <span class="evidence">Evidence: {topic.evidence.join(", ")}</span>
      </li>
    )),
    ...article.topics
      .filter((id) => !article.analysis.topics.some((t) => t.id === id) && topicLabels.has(id))
      .map((id) => (
        <li key={id}>
          <a href={href(config, routes.topic(id))}>{topicLabels.get(id)}</a>{" "}
          <span class="count">(assigned by an editor)</span>
        </li>
      )),
  ];
  const path = routes.article(article.id);
  return (
    <Layout
      title={article.title}
      path={path}
      ogType="article"
      description={article.lead.slice(0, 200)}
      breadcrumbs={[{ label: "Archive", path: routes.archive() }]}
      structuredData={[
        newsArticleNode(
          config,
          article,
          actors.map((a) => a.entity),
        ),
      ]}
    >
      <article class="article" data-pagefind-body="">
        <SearchFilterTags filters={articleSearchFilters(archive, article)} />
        <header>
          <h1>{article.title}</h1>
          <DateBlock article={article} />
          {article.source || article.dateline ? (
            <p class="meta">
              {article.dateline ? <>Dateline: {article.dateline}</> : null}
              {article.dateline && article.source ? " · " : null}
              {article.source ? <>Source: {article.source}</> : null}
            </p>
          ) : null}
        </header>
        <div
          class="body"
          dangerouslySetInnerHTML={{
            __html: linkEntities(article.body, entityHref),
          }}
        />
        <footer class="provenance">
          <p>
            Imported from <code>{article.sourceFile ?? article.file}</code>.
            {article.sourceTags.length > 0 ? (
              <> Outlet tags: {article.sourceTags.join(", ")}.</>
            ) : null}
          </p>
        </footer>
      </article>
      <aside class="facts" aria-labelledby="actors-heading">
        <h2 id="actors-heading">Who and what</h2>
        {KINDS.map((kind) => {
          const ofKind = actors.filter((a) => a.entity.kind === kind);
          if (ofKind.length === 0) return null;
          return (
            <section key={kind}>
              <h3>{KIND_LABELS[kind].plural}</h3>
              <ul class="actor-list">
                {ofKind.map(({ entity, mentions }) => (
                  <li key={entity.id}>
                    <a href={href(config, routes.entity(entity.id))}>{entity.name}</a>{" "}
                    <span class="count">({mentions})</span>
                    {entity.discovered ? <span class="badge"> automatically detected</span> : null}
                  </li>
                ))}
              </ul>
            </section>
          );
        })}
        <section>
          <h3>Topics</h3>
          {topicItems.length === 0 ? (
            <p>None assigned.</p>
          ) : (
            <ul class="topic-list">{topicItems}</ul>
          )}
        </section>
        {related.length > 0 ? (
          <section>
            <h3>Related articles</h3>
            <ArticleList items={related.map((r) => ({ article: r }))} />
          </section>
        ) : null}
        {article.sortDate && article.dateEstimated ? (
          <p class="meta">Filed under {formatMonth(article.sortDate)} (estimated).</p>
        ) : null}
      </aside>
    </Layout>
  );
}
