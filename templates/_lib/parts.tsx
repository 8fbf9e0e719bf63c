import type { ArchiveArticle, ArchiveEntity } from "../../src/archive/index.ts";
import { loadedProject } from "../../src/site/project.ts";
import { dateLabel, href, KIND_LABELS, plural, routes } from "../../src/site/views.ts";

export function ArticleDate({ article }: { article: ArchiveArticle }) {
  if (article.date) return <time dateTime={article.date}>{dateLabel(article)}</time>;
  return <span class="undated">{dateLabel(article)}</span>;
}

export interface ArticleListItem {
  article: ArchiveArticle;
  /** A sentence shown under the title, e.g. where an entity is mentioned. */
  excerpt?: string;
}

export function ArticleList({ items }: { items: ArticleListItem[] }) {
  const { config } = loadedProject();
  if (items.length === 0) return <p>No articles.</p>;
  return (
    <ol class="article-list">
      {items.map(({ article, excerpt }) => (
        <li key={article.id}>
          <a href={href(config, routes.article(article.id))}>{article.title}</a>
          <p class="meta">
            <ArticleDate article={article} />
            {article.source ? <> · {article.source}</> : null}
          </p>
          {excerpt ? <p class="excerpt">{excerpt}</p> : null}
        </li>
      ))}
    </ol>
  );
}

export function EntityLink({ entity }: { entity: ArchiveEntity }) {
  const { config } = loadedProject();
  return <a href={href(config, routes.entity(entity.id))}>{entity.name}</a>;
}

export function EntityTable({ entities, caption }: { entities: ArchiveEntity[]; caption: string }) {
  if (entities.length === 0) return <p>None yet.</p>;
  return (
    <table class="entity-table">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Kind</th>
          <th scope="col">Articles</th>
          <th scope="col">Mentions</th>
        </tr>
      </thead>
      <tbody>
        {entities.map((entity) => (
          <tr key={entity.id}>
            <th scope="row">
              <EntityLink entity={entity} />
              {entity.discovered ? <span class="badge"> automatically detected</span> : null}
            </th>
            <td>{KIND_LABELS[entity.kind].singular}</td>
            <td>{entity.occurrences.length}</td>
            <td>{entity.mentionCount}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function CountLabel({ count, one }: { count: number; one: string }) {
  return <span class="count">{plural(count, one)}</span>;
}
