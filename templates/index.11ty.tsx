import { loadedProject, permalinkIfSelected } from "../src/site/project.ts";
import { href, KIND_LABELS, KINDS, plural, routes } from "../src/site/views.ts";
import { Layout } from "./_lib/layout.tsx";
import { ArticleList } from "./_lib/parts.tsx";
import { Timeline } from "./_lib/timeline.tsx";

export const data = { permalink: () => permalinkIfSelected("/") };

export function render() {
  const { config, archive } = loadedProject();
  const latest = archive.articles.slice(0, 10).map((article) => ({ article }));
  const topics = [...archive.topics]
    .filter((t) => t.articleIds.length > 0)
    .sort((a, b) => b.articleIds.length - a.articleIds.length);
  return (
    <Layout title={config.title} path={routes.home()} feedPath={routes.home()}>
      <h1>{config.title}</h1>
      <p class="lead">{config.description}</p>
      <p>
        {plural(archive.articles.length, "article")},{" "}
        {plural(
          archive.entities.length,
          "person, organization and place",
          "people, organizations and places",
        )}{" "}
        and {plural(topics.length, "topic")}.
      </p>
      <section aria-labelledby="timeline-heading">
        <h2 id="timeline-heading">Coverage over time</h2>
        <Timeline articles={archive.articles} id="timeline-home" label="The whole archive" />
      </section>
      <div class="columns">
        <section aria-labelledby="latest-heading">
          <h2 id="latest-heading">Latest articles</h2>
          <ArticleList items={latest} />
          <p>
            <a href={href(config, routes.archive())}>All articles by date</a>
          </p>
        </section>
        <section aria-labelledby="years-heading">
          <h2 id="years-heading">Coverage by year</h2>
          <ul class="year-list">
            {archive.years.map((year) => (
              <li key={year.year}>
                <a href={href(config, routes.year(year.year))}>{year.year}</a>{" "}
                <span class="count">({plural(year.articleIds.length, "article")})</span>
              </li>
            ))}
            {archive.undatedIds.length > 0 ? (
              <li>
                <a href={href(config, routes.undated())}>Undated</a>{" "}
                <span class="count">({plural(archive.undatedIds.length, "article")})</span>
              </li>
            ) : null}
          </ul>
        </section>
      </div>
      <section aria-labelledby="entities-heading">
        <h2 id="entities-heading">Most mentioned</h2>
        <div class="columns three">
          {KINDS.map((kind) => (
            <section key={kind} aria-labelledby={`top-${kind}`}>
              <h3 id={`top-${kind}`}>{KIND_LABELS[kind].plural}</h3>
              <ol class="ranked">
                {archive.entities
                  .filter((e) => e.kind === kind)
                  .slice(0, 8)
                  .map((entity) => (
                    <li key={entity.id}>
                      <a href={href(config, routes.entity(entity.id))}>{entity.name}</a>{" "}
                      <span class="count">({plural(entity.occurrences.length, "article")})</span>
                    </li>
                  ))}
              </ol>
              <p>
                <a href={href(config, routes.kind(kind))}>
                  All {KIND_LABELS[kind].plural.toLowerCase()}
                </a>
              </p>
            </section>
          ))}
        </div>
      </section>
      <section aria-labelledby="topics-heading">
        <h2 id="topics-heading">Topics</h2>
        <ul class="topic-cloud">
          {topics.map((topic) => (
            <li key={topic.id}>
              <a href={href(config, routes.topic(topic.id))}>{topic.label}</a>{" "}
              <span class="count">({topic.articleIds.length})</span>
            </li>
          ))}
        </ul>
      </section>
    </Layout>
  );
}
