import { loadedProject } from "../src/site/project.ts";
import { href, routes } from "../src/site/views.ts";
import { Layout } from "./_lib/layout.tsx";

export const data = { permalink: "/topics/" };

export function render() {
  const { config, archive } = loadedProject();
  return (
    <Layout title="Topics" path={routes.topics()} description="The topics of the archive.">
      <h1>Topics</h1>
      <table class="entity-table">
        <caption>Topics by number of articles</caption>
        <thead>
          <tr>
            <th scope="col">Topic</th>
            <th scope="col">Definition</th>
            <th scope="col">Articles</th>
          </tr>
        </thead>
        <tbody>
          {[...archive.topics]
            .sort(
              (a, b) => b.articleIds.length - a.articleIds.length || a.label.localeCompare(b.label),
            )
            .map((topic) => (
              <tr key={topic.id}>
                <th scope="row">
                  <a href={href(config, routes.topic(topic.id))}>{topic.label}</a>
                </th>
                <td>{topic.definition}</td>
                <td>{topic.articleIds.length}</td>
              </tr>
            ))}
        </tbody>
      </table>
    </Layout>
  );
}
