import { firstSentence } from "../src/archive/index.ts";
import { entitySearchFilters, SearchFilterTags } from "../src/site/discover/search-filters.tsx";
import type { EntityPage } from "../src/site/pages.ts";
import { pagePath, sliceFor } from "../src/site/pagination.ts";
import { loadedProject } from "../src/site/project.ts";
import { entityNode } from "../src/site/structured.ts";
import { formatDate, href, KIND_LABELS, routes } from "../src/site/views.ts";
import { Layout } from "./_lib/layout.tsx";
import { Pager, PagerLinks } from "./_lib/pager.tsx";
import { ArticleList, CountLabel } from "./_lib/parts.tsx";
import { Timeline } from "./_lib/timeline.tsx";

export const data = {
  pagination: { data: "pages.entityPages", size: 1, alias: "listPage" },
  permalink: (page: { listPage: EntityPage }) => pagePath(page.listPage.base, page.listPage.number),
};

export function render({ listPage }: { listPage: EntityPage }) {
  const { config, archive } = loadedProject();
  const entity = archive.entityById.get(listPage.id);
  if (!entity) throw new Error(`No entity ${listPage.id}`);
  const kind = KIND_LABELS[entity.kind];
  const items = sliceFor(entity.occurrences, listPage, config.pageSize).flatMap((o) => {
    const article = archive.articleById.get(o.articleId);
    return article ? [{ article, excerpt: firstSentence(article, entity.id) }] : [];
  });
  return (
    <Layout
      title={listPage.number > 1 ? `${entity.name} (page ${listPage.number})` : entity.name}
      description={entity.description || `${kind.singular} in the archive: ${entity.name}.`}
      path={pagePath(listPage.base, listPage.number)}
      head={<PagerLinks page={listPage} />}
      breadcrumbs={[{ label: kind.plural, path: routes.kind(entity.kind) }]}
      feedPath={routes.entity(entity.id)}
      ogType="profile"
      structuredData={[{ "@context": "https://schema.org", ...entityNode(config, entity) }]}
    >
      {/* Search finds an entity by its own page's first page, by name, aliases and description; the
      quoted sentences and later pages are left to the articles, which would otherwise come up
      once per list page that quotes them. */}
      <div data-pagefind-body={listPage.number === 1 ? "" : undefined}>
        <SearchFilterTags filters={entitySearchFilters(entity)} />
        <h1>{entity.name}</h1>
        {/* Counts change with every article that names the entity: left out of search, an edit
        of an article re-indexes its own page's search shard and not the shards of the entity
        pages it counts towards. */}
        <p class="meta">
          {kind.singular}
          <span data-pagefind-ignore="">
            {" "}
            · <CountLabel count={entity.occurrences.length} one="article" /> ·{" "}
            <CountLabel count={entity.mentionCount} one="mention" />
          </span>
        </p>
        {entity.discovered ? (
          <p class="note">
            <strong>Automatically detected.</strong> This name was found by name detection and is
            not yet in the curated knowledge base; an editor can promote, merge or reject it with{" "}
            <code>news-archive review</code>.
          </p>
        ) : null}
        {entity.description ? <p>{entity.description}</p> : null}
        {entity.aliases.length > 0 ? (
          <p>
            <strong>Also written:</strong> {entity.aliases.join(", ")}
          </p>
        ) : null}
        {entity.roles.length > 0 ? (
          <section aria-labelledby="roles-heading">
            <h2 id="roles-heading">Roles</h2>
            <ul>
              {entity.roles.map((role) => (
                <li key={`${role.role}-${role.from}`}>
                  {role.role}: {formatDate(role.from)} – {role.to ? formatDate(role.to) : "present"}
                </li>
              ))}
            </ul>
          </section>
        ) : null}
        <div data-pagefind-ignore="all">
          {listPage.number === 1 ? (
            <Timeline
              articles={entity.occurrences.flatMap(
                (o) => archive.articleById.get(o.articleId) ?? [],
              )}
              id="timeline-entity"
              label={`Articles mentioning ${entity.name}`}
            />
          ) : null}
          <section aria-labelledby="articles-heading">
            <h2 id="articles-heading">Articles mentioning {entity.name}</h2>
            <ArticleList items={items} />
            <Pager page={listPage} label={`Articles mentioning ${entity.name}`} />
          </section>
          {entity.coMentions.length > 0 ? (
            <section aria-labelledby="co-heading">
              <h2 id="co-heading">Mentioned together with</h2>
              <ul class="co-mentions">
                {entity.coMentions.flatMap((co) => {
                  const other = archive.entityById.get(co.id);
                  return other
                    ? [
                        <li key={co.id}>
                          <a href={href(config, routes.entity(other.id))}>{other.name}</a>{" "}
                          <span class="count">
                            ({co.count === 1 ? "1 article" : `${co.count} articles`})
                          </span>
                        </li>,
                      ]
                    : [];
                })}
              </ul>
            </section>
          ) : null}
        </div>
      </div>
    </Layout>
  );
}
