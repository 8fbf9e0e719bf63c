import type { EntityKind } from "../src/records/index.ts";
import { loadedProject } from "../src/site/project.ts";
import { entitiesOfKind, KIND_LABELS, routes } from "../src/site/views.ts";
import { Layout } from "./_lib/layout.tsx";
import { EntityTable } from "./_lib/parts.tsx";

export const data = {
  pagination: { data: "pages.kinds", size: 1, alias: "kind" },
  permalink: (page: { kind: EntityKind }) => routes.kind(page.kind),
};

export function render(page: { kind: EntityKind }) {
  const { archive } = loadedProject();
  const label = KIND_LABELS[page.kind].plural;
  const entities = entitiesOfKind(archive.entities, page.kind);
  return (
    <Layout
      title={label}
      path={routes.kind(page.kind)}
      description={`${label} mentioned in the archive.`}
    >
      <h1>{label}</h1>
      <p>
        {entities.length} {label.toLowerCase()} named in the archive, most-covered first.
      </p>
      <EntityTable entities={entities} caption={`${label} by number of articles`} />
    </Layout>
  );
}
