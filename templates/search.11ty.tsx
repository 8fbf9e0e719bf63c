import { indexedPageCount } from "../src/site/plan.ts";
import { loadedProject, permalinkIfSelected } from "../src/site/project.ts";
import { shardCount, shardFolder } from "../src/site/search.ts";
import { href, routes } from "../src/site/views.ts";
import { Layout } from "./_lib/layout.tsx";

export const data = { permalink: () => permalinkIfSelected("/search/") };

export function render() {
  const { config, archive } = loadedProject();
  const bundle = href(config, "/pagefind/");
  // A large archive's index comes in shards (see src/site/search.ts), merged here. Result links are
  // made from the site's root, not from where each shard's files happen to live.
  const baseUrl = href(config, "/");
  const shards = shardCount(indexedPageCount(archive), config.searchShardPages);
  const mergeIndex = Array.from({ length: shards - 1 }, (_, i) => ({
    bundlePath: href(config, `/${shardFolder(i + 1)}/`),
    baseUrl,
  }));
  // Our own script, with values JSON-encoded and "<" escaped, so nothing can close the element early.
  const boot = `new PagefindUI(${JSON.stringify({
    element: "#search",
    bundlePath: bundle,
    baseUrl,
    ...(mergeIndex.length > 0 ? { mergeIndex } : {}),
    showSubResults: true,
    showImages: false,
    resetStyles: false,
  }).replace(/</g, "\\u003c")});`;
  return (
    <Layout
      title="Search"
      path={routes.search()}
      description="Search the full text of the archive, with filters by entity, kind, topic and year."
      head={<link rel="stylesheet" href={`${bundle}pagefind-ui.css`} />}
    >
      <h1>Search</h1>
      <p>
        Search the full text of every article, person, organization, place and topic. Filter results
        by entity, kind, topic and year.
      </p>
      <div id="search" />
      <noscript>
        <p class="note">
          Search needs JavaScript. Without it, browse the archive through its indexes:{" "}
          <a href={href(config, routes.kind("person"))}>people</a>,{" "}
          <a href={href(config, routes.kind("organization"))}>organizations</a>,{" "}
          <a href={href(config, routes.kind("place"))}>places</a>,{" "}
          <a href={href(config, routes.topics())}>topics</a> and the{" "}
          <a href={href(config, routes.archive())}>archive by date</a>.
        </p>
      </noscript>
      <script src={`${bundle}pagefind-ui.js`} />
      <script dangerouslySetInnerHTML={{ __html: boot }} />
    </Layout>
  );
}
