import type { ComponentChildren } from "preact";
import { loadedProject } from "../../src/site/project.ts";
import { breadcrumbNode, jsonForScript } from "../../src/site/structured.ts";
import { absoluteUrl, type Crumb, href, routes } from "../../src/site/views.ts";

export type { Crumb };

export interface LayoutProps {
  title: string;
  description?: string;
  /** Site path of this page, for the canonical link and the current navigation item. */
  path: string;
  breadcrumbs?: Crumb[];
  /** Extra elements for <head>. */
  head?: ComponentChildren;
  /** Site path of this page's feeds (feed.xml and feed.json under it), for autodiscovery. */
  feedPath?: string;
  /** schema.org nodes for a JSON-LD block. */
  structuredData?: object[];
  ogType?: "website" | "article" | "profile";
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

export function Layout(props: LayoutProps) {
  const {
    title,
    description,
    path,
    breadcrumbs,
    head,
    children,
    feedPath,
    structuredData,
    ogType,
  } = props;
  const { config } = loadedProject();
  const fullTitle = title === config.title ? title : `${title} · ${config.title}`;
  const summary = description ?? config.description;
  const nodes = [...(structuredData ?? [])];
  if (breadcrumbs && breadcrumbs.length > 0)
    nodes.push(breadcrumbNode(config, breadcrumbs, { label: title, path }));
  return (
    <html lang={config.language}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{fullTitle}</title>
        <meta name="description" content={summary} />
        <link rel="canonical" href={absoluteUrl(config, path)} />
        <meta property="og:title" content={title} />
        <meta property="og:description" content={summary} />
        <meta property="og:type" content={ogType ?? "website"} />
        <meta property="og:url" content={absoluteUrl(config, path)} />
        <meta property="og:site_name" content={config.title} />
        <meta name="twitter:card" content="summary" />
        <meta name="twitter:title" content={title} />
        <meta name="twitter:description" content={summary} />
        <link rel="stylesheet" href={href(config, routes.stylesheet())} />
        {feedPath ? (
          <>
            <link
              rel="alternate"
              type="application/atom+xml"
              title={`${title} (Atom)`}
              href={href(config, `${feedPath}feed.xml`)}
            />
            <link
              rel="alternate"
              type="application/feed+json"
              title={`${title} (JSON Feed)`}
              href={href(config, `${feedPath}feed.json`)}
            />
          </>
        ) : null}
        {nodes.length > 0 ? (
          <script
            type="application/ld+json"
            dangerouslySetInnerHTML={{
              __html: jsonForScript(nodes.length === 1 ? nodes[0] : nodes),
            }}
          />
        ) : null}
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
