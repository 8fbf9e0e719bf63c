import type { KindPage } from "../src/site/pages.ts";
import { pagePath, sliceFor } from "../src/site/pagination.ts";
import { loadedProject } from "../src/site/project.ts";
import { entitiesOfKind, KIND_LABELS } from "../src/site/views.ts";
import { Layout } from "./_lib/layout.tsx";
import { Pager, PagerLinks } from "./_lib/pager.tsx";
import { EntityTable } from "./_lib/parts.tsx";

export const data = {
  pagination: { data: "pages.kindPages", size: 1, alias: "listPage" },
  permalink: (page: { listPage: KindPage }) => pagePath(page.listPage.base, page.listPage.number),
};

export function render({ listPage }: { listPage: KindPage }) {
  const { archive, config } = loadedProject();
  const label = KIND_LABELS[listPage.kind].plural;
  const all = entitiesOfKind(archive.entities, listPage.kind);
  return (
    <Layout
      title={listPage.number > 1 ? `${label} (page ${listPage.number})` : label}
      path={pagePath(listPage.base, listPage.number)}
      description={`${label} mentioned in the archive.`}
      head={<PagerLinks page={listPage} />}
    >
      <h1>{label}</h1>
      <p>
        {all.length} {label.toLowerCase()} named in the archive, most-covered first.
      </p>
      <EntityTable
        entities={sliceFor(all, listPage, config.pageSize)}
        caption={`${label} by number of articles`}
      />
      <Pager page={listPage} label={label} />
    </Layout>
  );
}
