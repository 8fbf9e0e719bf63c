import { loadedProject, permalinkIfSelected } from "../src/site/project.ts";
import { href, routes } from "../src/site/views.ts";
import { Layout } from "./_lib/layout.tsx";
import { DataTable } from "./_lib/parts.tsx";

export const data = { permalink: () => permalinkIfSelected("/topics/") };

export function render() {
  const { config, archive } = loadedProject();
  return (
    <Layout title="Topics" path={routes.topics()} description="The topics of the archive.">
      <h1>Topics</h1>
      <DataTable
        caption="Topics by number of articles"
        columns={["Topic", "Definition", "Articles"]}
        rows={[...archive.topics]
          .sort(
            (a, b) => b.articleIds.length - a.articleIds.length || a.label.localeCompare(b.label),
          )
          .map((topic) => ({
            key: topic.id,
            header: <a href={href(config, routes.topic(topic.id))}>{topic.label}</a>,
            cells: [topic.definition, topic.articleIds.length],
          }))}
      />
    </Layout>
  );
}
