import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Corpus, SyntheticArticle } from "./corpus.ts";

/**
 * The same articles, tagged with the same entities, as the two projects a reader would compare
 * against: a plain Eleventy 3 site with the standard tag-pages recipe, and a Hugo site with an
 * `entities` taxonomy. Each gets one page per article, one per entity and a home page.
 */

const yamlString = (s: string) => JSON.stringify(s);
const title = (i: number) => `Article ${i + 1}`;

/** The article text without its date header: what a writer of such a site would publish. */
function body(article: SyntheticArticle): string {
  return article.date === null ? article.raw : article.raw.replace(/^.*\n/, "");
}

function frontMatter(i: number, article: SyntheticArticle, taxonomy: string, extra: string[]) {
  const names = article.entities.map((e) => `  - ${yamlString(e.name)}`);
  return [
    "---",
    `title: ${yamlString(title(i))}`,
    ...(article.date ? [`date: ${article.date}`] : []),
    ...extra,
    `${taxonomy}:`,
    ...names,
    "---",
    "",
  ].join("\n");
}

const PAGE = (titleExpr: string, inner: string) =>
  `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${titleExpr}</title></head><body><main>${inner}</main></body></html>\n`;

/** Writes the Eleventy project into `dir`; builds into `dir/_site`. */
export async function writeEleventyProject(corpus: Corpus, dir: string): Promise<void> {
  await mkdir(path.join(dir, "posts"), { recursive: true });
  await mkdir(path.join(dir, "_includes"), { recursive: true });
  await writeFile(
    path.join(dir, "_includes", "layout.njk"),
    PAGE("{{ title }}", "{{ content | safe }}"),
  );
  await writeFile(
    path.join(dir, "posts", "posts.json"),
    `${JSON.stringify({ layout: "layout.njk", tags: ["posts"] })}\n`,
  );
  // The tag-pages recipe of the Eleventy docs: paginate over `collections`, one page per tag.
  await writeFile(
    path.join(dir, "tags.njk"),
    [
      "---",
      "pagination:",
      "  data: collections",
      "  size: 1",
      "  alias: tag",
      '  filter: ["all", "posts"]',
      "permalink: /tags/{{ tag | slugify }}/",
      "layout: layout.njk",
      "eleventyComputed:",
      '  title: "{{ tag }}"',
      "---",
      "<h1>{{ tag }}</h1>",
      '<ul>{% for post in collections[tag] | reverse %}<li><a href="{{ post.url }}">{{ post.data.title }}</a></li>{% endfor %}</ul>',
      "",
    ].join("\n"),
  );
  await writeFile(
    path.join(dir, "index.njk"),
    [
      "---",
      "layout: layout.njk",
      "title: Home",
      "---",
      '<ul>{% for post in collections.posts | reverse %}<li><a href="{{ post.url }}">{{ post.data.title }}</a></li>{% endfor %}</ul>',
      "",
    ].join("\n"),
  );
  for (const [i, article] of corpus.articles.entries()) {
    await writeFile(
      path.join(dir, "posts", `post-${i + 1}.md`),
      frontMatter(i, article, "tags", []) + body(article),
    );
  }
}

/** Writes the Hugo project into `dir`; builds into `dir/public`. */
export async function writeHugoProject(corpus: Corpus, dir: string): Promise<void> {
  const layouts = path.join(dir, "layouts", "_default");
  await mkdir(path.join(dir, "content", "posts"), { recursive: true });
  await mkdir(layouts, { recursive: true });
  await writeFile(
    path.join(dir, "hugo.toml"),
    [
      'baseURL = "http://localhost/"',
      'title = "bench"',
      "disableKinds = ['RSS', 'sitemap', 'robotsTXT']",
      "[taxonomies]",
      '  entity = "entities"',
      "",
    ].join("\n"),
  );
  const list =
    '<h1>{{ .Title }}</h1><ul>{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>';
  await writeFile(path.join(layouts, "single.html"), PAGE("{{ .Title }}", "{{ .Content }}"));
  await writeFile(path.join(layouts, "list.html"), PAGE("{{ .Title }}", list));
  await writeFile(path.join(layouts, "term.html"), PAGE("{{ .Title }}", list));
  await writeFile(
    path.join(layouts, "taxonomy.html"),
    PAGE(
      "{{ .Title }}",
      '<ul>{{ range .Data.Terms.Alphabetical }}<li><a href="{{ .Page.RelPermalink }}">{{ .Page.Title }}</a> ({{ .Count }})</li>{{ end }}</ul>',
    ),
  );
  for (const [i, article] of corpus.articles.entries()) {
    await writeFile(
      path.join(dir, "content", "posts", `post-${i + 1}.md`),
      frontMatter(i, article, "entities", []) + body(article),
    );
  }
}
