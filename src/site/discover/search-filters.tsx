import type { Archive, ArchiveArticle, ArchiveEntity, ArchiveTopic } from "../../archive/index.ts";
import { KIND_LABELS } from "../views.ts";

/**
 * Values of the Pagefind filters the search page offers (entity, kind, topic, year, and the type of
 * page), for an article and for the entity and topic pages, so each is findable by the same filters.
 */

export type SearchFilterName = "type" | "kind" | "entity" | "topic" | "year";
export type SearchFilters = Partial<Record<SearchFilterName, string[]>>;

/** Every year an estimated period touches: a filter by year must not hide an estimate's later years. */
function yearsOf(article: ArchiveArticle): string[] {
  if (article.date) return [article.date.slice(0, 4)];
  const period = article.analysis.estimatedPeriod;
  if (!period) return [];
  const first = Number(period.from.slice(0, 4));
  const last = Number(period.to.slice(0, 4));
  return Array.from({ length: Math.max(0, last - first) + 1 }, (_, i) => String(first + i));
}

export function articleSearchFilters(archive: Archive, article: ArchiveArticle): SearchFilters {
  const entities = article.analysis.entities.flatMap((e) => archive.entityById.get(e.id) ?? []);
  // Topics an editor assigned count as much as extracted ones: the topic page lists both.
  const topicIds = new Set([...article.analysis.topics.map((t) => t.id), ...article.topics]);
  return {
    type: ["Article"],
    year: yearsOf(article),
    entity: entities.map((e) => e.name),
    kind: [...new Set(entities.map((e) => KIND_LABELS[e.kind].singular))],
    topic: [...topicIds].flatMap((id) => archive.topicById.get(id)?.label ?? []),
  };
}

export function entitySearchFilters(entity: ArchiveEntity): SearchFilters {
  const kind = KIND_LABELS[entity.kind].singular;
  return { type: [kind], kind: [kind], entity: [entity.name] };
}

export function topicSearchFilters(topic: ArchiveTopic): SearchFilters {
  return { type: ["Topic"], topic: [topic.label] };
}

/**
 * Hidden elements Pagefind reads as filter values; put inside the page's data-pagefind-body.
 * data-pagefind-ignore keeps their words out of the indexed text and the result excerpts (else an
 * entity page's excerpt starts "PersonPerson…") while Pagefind still reads the filters inside.
 */
export function SearchFilterTags({ filters }: { filters: SearchFilters }) {
  const tags = (Object.entries(filters) as [SearchFilterName, string[]][]).flatMap(
    ([name, values]) =>
      [...new Set(values)].map((value) => (
        <span key={`${name}:${value}`} data-pagefind-filter={name}>
          {value}
        </span>
      )),
  );
  return tags.length > 0 ? (
    <div hidden data-pagefind-ignore="index">
      {tags}
    </div>
  ) : null;
}
