import { describe, expect, it } from "vitest";
import { markedBodyHtml } from "../../src/archive/body.ts";
import { linkEntities } from "../../src/archive/index.ts";
import type { Mention } from "../../src/knowledge/index.ts";
import { markdownToText, renderBodyHtml } from "../../src/records/index.ts";

/** Marked body HTML as articles carry it: UTF-8 bytes. */
const marked = (markdown: string, mentions: readonly Mention[]) =>
  new TextEncoder().encode(markedBodyHtml(markdown, mentions));

function mention(text: string, surface: string, entityId: string): Mention {
  const start = text.indexOf(surface);
  return { entityId, start, end: start + surface.length, surface, via: "name" };
}

describe("article body rendered ahead of the page", () => {
  const markdown = [
    "KABUL — Jens Stoltenberg met *Ashraf Ghani* in [Kabul](https://example.org/kabul).",
    "",
    '> NATO & the Taliban agree 5 < 6 about "peace".',
  ].join("\n");
  const text = markdownToText(markdown);
  const mentions = [
    mention(text, "Jens Stoltenberg", "jens-stoltenberg"),
    mention(text, "Ashraf Ghani", "ashraf-ghani"),
    mention(text, "NATO", "nato"),
    mention(text, "Taliban", "taliban"),
  ];

  it("links every mention exactly as rendering with the final links would", () => {
    const hrefOf = (id: string) => `/archive/entities/${id}/`;
    const direct = renderBodyHtml(
      markdown,
      mentions.map((m) => ({
        start: m.start,
        end: m.end,
        href: hrefOf(m.entityId),
        className: "mention",
      })),
    );
    expect(linkEntities(marked(markdown, mentions), hrefOf)).toBe(direct);
    expect(direct).toContain('<a href="/archive/entities/nato/" class="mention">NATO</a>');
    expect(direct).toContain("5 &#x3C; 6");
  });

  it("leaves a mention of an entity without a page as its plain text", () => {
    const html = linkEntities(marked(markdown, mentions), (id) =>
      id === "nato" ? null : `/e/${id}/`,
    );
    expect(html).toContain("<p>NATO &#x26; the ");
    expect(html).not.toContain("news-archive-entity:");
    expect(html).toContain('<a href="/e/taliban/" class="mention">Taliban</a>');
  });

  it("escapes the link it is given", () => {
    const html = linkEntities(marked(markdown, mentions), () => '/a"b&c/');
    expect(html).toContain('<a href="/a&quot;b&amp;c/" class="mention">NATO</a>');
  });

  it("cannot be forged by article text: the mark's scheme never survives sanitizing", () => {
    const hostile = [
      "[Click](news-archive-entity:nato) and",
      '<a href="news-archive-entity:nato" class="mention">raw</a>',
      'and text `<a href="news-archive-entity:nato" class="mention">x</a>`',
    ].join("\n\n");
    expect(markedBodyHtml("[Click](news-archive-entity:nato)", [])).not.toContain(
      "news-archive-entity",
    );
    const html = linkEntities(marked(hostile, []), () => "javascript:alert(1)");
    expect(html).not.toContain("javascript:");
    expect(html).not.toMatch(/<a [^>]*class="mention"/);
    expect(html).toContain("Click");
  });
});
