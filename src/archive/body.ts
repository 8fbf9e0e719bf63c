import type { Mention } from "../knowledge/index.ts";
import { renderBodyHtml } from "../records/index.ts";

/**
 * An article's body HTML is rendered once, where the article is parsed and analysed (in a worker
 * thread, then kept in the cache), not on every build's page render. Where a mention links to is
 * a site matter (path prefix, routes, whether the entity has a page), so the HTML carries a mark
 * per mention that `linkEntities` turns into the real link or back into plain text.
 *
 * The mark is an href with a scheme the sanitizer never lets through from article text (only
 * http, https and mailto survive), so no article can forge one.
 */
const ENTITY_SCHEME = "news-archive-entity:";

export function markedBodyHtml(markdown: string, mentions: readonly Mention[]): string {
  return renderBodyHtml(
    markdown,
    mentions.map((m) => ({
      start: m.start,
      end: m.end,
      href: ENTITY_SCHEME + m.entityId,
      className: "mention",
    })),
  );
}

// A mention's link wraps the text of one text node (see renderBodyHtml), so it holds no markup.
const MARKED_LINK = new RegExp(
  `<a href="${ENTITY_SCHEME}([^"]*)" class="mention">([^<]*)</a>`,
  "g",
);

const utf8 = new TextDecoder();

const escapeAttribute = (value: string) => value.replace(/&/g, "&amp;").replace(/"/g, "&quot;");

/**
 * The body HTML from its UTF-8 bytes, with each marked mention linked to `hrefOf(entity id)`, or
 * left as plain text where that gives null (an entity without a page).
 */
export function linkEntities(
  body: Uint8Array,
  hrefOf: (entityId: string) => string | null,
): string {
  return utf8.decode(body).replace(MARKED_LINK, (_, id: string, inner: string) => {
    const href = hrefOf(id);
    return href === null
      ? inner
      : `<a href="${escapeAttribute(href)}" class="mention">${inner}</a>`;
  });
}
