import { loadedProject, permalinkIfSelected } from "../src/site/project.ts";
import { href, routes } from "../src/site/views.ts";
import { Layout } from "./_lib/layout.tsx";

export const data = { permalink: () => permalinkIfSelected("/404.html") };

export function render() {
  const { config } = loadedProject();
  return (
    <Layout title="Page not found" path="/404.html">
      <h1>Page not found</h1>
      <p>There is no page at this address. It may have moved, or the link may be mistyped.</p>
      <ul>
        <li>
          <a href={href(config, routes.home())}>Home</a>
        </li>
        <li>
          <a href={href(config, routes.archive())}>All articles by date</a>
        </li>
        <li>
          <a href={href(config, routes.search())}>Search</a>
        </li>
      </ul>
    </Layout>
  );
}
