import { type PageOf, pagePath } from "../../src/site/pagination.ts";
import { loadedProject } from "../../src/site/project.ts";
import { href } from "../../src/site/views.ts";

/** Links for <head> so browsers and crawlers know the order of a paginated list. */
export function PagerLinks({ page }: { page: PageOf }) {
  const { config } = loadedProject();
  return (
    <>
      {page.number > 1 ? (
        <link rel="prev" href={href(config, pagePath(page.base, page.number - 1))} />
      ) : null}
      {page.number < page.count ? (
        <link rel="next" href={href(config, pagePath(page.base, page.number + 1))} />
      ) : null}
    </>
  );
}

export function Pager({ page, label }: { page: PageOf; label: string }) {
  const { config } = loadedProject();
  if (page.count <= 1) return null;
  const numbers = Array.from({ length: page.count }, (_, i) => i + 1).filter(
    (n) => n === 1 || n === page.count || Math.abs(n - page.number) <= 2,
  );
  return (
    <nav class="pager" aria-label={`${label}: pages`}>
      <ul>
        {page.number > 1 ? (
          <li>
            <a href={href(config, pagePath(page.base, page.number - 1))} rel="prev">
              Previous page
            </a>
          </li>
        ) : null}
        {numbers.map((n, i) => (
          <li key={n}>
            {i > 0 && n - (numbers[i - 1] ?? n) > 1 ? <span aria-hidden="true">… </span> : null}
            <a
              href={href(config, pagePath(page.base, n))}
              aria-current={n === page.number ? "page" : undefined}
            >
              <span class="visually-hidden">Page </span>
              {n}
            </a>
          </li>
        ))}
        {page.number < page.count ? (
          <li>
            <a href={href(config, pagePath(page.base, page.number + 1))} rel="next">
              Next page
            </a>
          </li>
        ) : null}
      </ul>
    </nav>
  );
}
