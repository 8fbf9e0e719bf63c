import type { ComponentChildren } from "preact";
import { loadedProject } from "../../src/site/project.ts";
import { absoluteUrl, href, routes } from "../../src/site/views.ts";

export interface Crumb {
  label: string;
  path: string;
}

export interface LayoutProps {
  title: string;
  description?: string;
  /** Site path of this page, for the canonical link and the current navigation item. */
  path: string;
  breadcrumbs?: Crumb[];
  /** Extra elements for <head> (feeds, structured data). */
  head?: ComponentChildren;
  children: ComponentChildren;
}

const NAV: { label: string; path: string }[] = [
  { label: "Home", path: routes.home() },
  { label: "Archive", path: routes.archive() },
  { label: "People", path: routes.kind("person") },
  { label: "Organizations", path: routes.kind("organization") },
  { label: "Places", path: routes.kind("place") },
  { label: "Topics", path: routes.topics() },
  { label: "Search", path: routes.search() },
  { label: "About", path: routes.about() },
];

function isCurrent(navPath: string, pagePath: string): boolean {
  return navPath === "/" ? pagePath === "/" : pagePath.startsWith(navPath);
}

export function Layout({ title, description, path, breadcrumbs, head, children }: LayoutProps) {
  const { config } = loadedProject();
  const fullTitle = title === config.title ? title : `${title} · ${config.title}`;
  return (
    <html lang={config.language}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{fullTitle}</title>
        <meta name="description" content={description ?? config.description} />
        <link rel="canonical" href={absoluteUrl(config, path)} />
        <link rel="stylesheet" href={href(config, routes.stylesheet())} />
        {head}
      </head>
      <body>
        <a class="skip-link" href="#main">
          Skip to content
        </a>
        <header class="site-header">
          <a class="site-title" href={href(config, routes.home())}>
            {config.title}
          </a>
          <nav aria-label="Main">
            <ul>
              {NAV.map((item) => (
                <li key={item.path}>
                  <a
                    href={href(config, item.path)}
                    aria-current={isCurrent(item.path, path) ? "page" : undefined}
                  >
                    {item.label}
                  </a>
                </li>
              ))}
            </ul>
          </nav>
        </header>
        {breadcrumbs && breadcrumbs.length > 0 ? (
          <nav aria-label="Breadcrumb" class="breadcrumbs">
            <ol>
              {breadcrumbs.map((crumb) => (
                <li key={crumb.path}>
                  <a href={href(config, crumb.path)}>{crumb.label}</a>
                </li>
              ))}
              <li>
                <span aria-current="page">{title}</span>
              </li>
            </ol>
          </nav>
        ) : null}
        <main id="main" tabIndex={-1}>
          {children}
        </main>
        <footer class="site-footer">
          <p>
            {config.title}. Built from imported articles; entities and topics are extracted
            automatically and curated by editors.{" "}
            <a href={href(config, routes.about())}>How this archive is made</a>.
          </p>
        </footer>
      </body>
    </html>
  );
}
