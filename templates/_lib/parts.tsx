import type { ComponentChildren } from "preact";
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

export interface TableRow {
  key: string;
  /** The row's header cell: what the row is about. */
  header: ComponentChildren;
  cells: ComponentChildren[];
}

/** A captioned data table with column and row headers, the accessible form of every list of figures. */
export function DataTable({
  caption,
  columns,
  rows,
}: {
  caption: string;
  columns: string[];
  rows: TableRow[];
}) {
  // Its own scroll container: a wide table must not make the whole page scroll sideways on a phone
  // (WCAG 1.4.10 Reflow). Focusable and labelled so keyboard users can scroll it too.
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard (axe scrollable-region-focusable).
    <section class="table-scroll" aria-label={caption} tabIndex={0}>
      <table class="entity-table">
        <caption>{caption}</caption>
        <thead>
          <tr>
            {columns.map((column) => (
              <th key={column} scope="col">
                {column}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.key}>
              <th scope="row">{row.header}</th>
              {row.cells.map((cell, i) => (
                <td key={i}>{cell}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export function EntityTable({ entities, caption }: { entities: ArchiveEntity[]; caption: string }) {
  if (entities.length === 0) return <p>None yet.</p>;
  return (
    <DataTable
      caption={caption}
      columns={["Name", "Kind", "Articles", "Mentions"]}
      rows={entities.map((entity) => ({
        key: entity.id,
        header: (
          <>
            <EntityLink entity={entity} />
            {entity.discovered ? <span class="badge"> automatically detected</span> : null}
          </>
        ),
        cells: [KIND_LABELS[entity.kind].singular, entity.occurrences.length, entity.mentionCount],
      }))}
    />
  );
}

export function CountLabel({ count, one }: { count: number; one: string }) {
  return <span class="count">{plural(count, one)}</span>;
}
