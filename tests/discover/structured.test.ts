import { parseDocument } from "htmlparser2";
import { describe, expect, it } from "vitest";
import {
  breadcrumbNode,
  entityNode,
  jsonForScript,
  newsArticleNode,
} from "../../src/site/structured.ts";
import { config, HOSTILE_TITLE, testArchive } from "./corpus.ts";

interface Element {
  type: string;
  name?: string;
  attribs?: Record<string, string>;
  children?: Element[];
  data?: string;
}

function scripts(html: string): { attribs: Record<string, string>; text: string }[] {
  const found: { attribs: Record<string, string>; text: string }[] = [];
  const walk = (node: Element) => {
    if (node.type === "script" || node.name === "script") {
      found.push({
        attribs: node.attribs ?? {},
        text: (node.children ?? []).map((c) => c.data ?? "").join(""),
      });
    }
    for (const child of node.children ?? []) walk(child);
  };
  walk(parseDocument(html) as unknown as Element);
  return found;
}

function nodesFor(id: string) {
  const archive = testArchive();
  const article = archive.articleById.get(id);
  if (!article) throw new Error(id);
  const entities = article.analysis.entities.flatMap((e) => archive.entityById.get(e.id) ?? []);
  return { article, node: newsArticleNode(config, article, entities) };
}

describe("JSON-LD", () => {
  it("describes an article as a NewsArticle about and mentioning schema.org entity nodes", () => {
    const { node } = nodesFor("wire-2021-08-16-kabul-falls");
    expect(node["@type"]).toBe("NewsArticle");
    expect(node.url).toBe("https://news.example.org/wire/articles/wire-2021-08-16-kabul-falls/");
    expect(node.datePublished).toBe("2021-08-16");
    expect(node.about).toEqual({
      "@type": "Organization",
      "@id": "https://news.example.org/wire/entities/taliban/#entity",
      name: "Taliban",
      url: "https://news.example.org/wire/entities/taliban/",
    });
    expect(node.mentions.map((m) => [m["@type"], m["@id"]])).toEqual([
      ["Place", "https://news.example.org/wire/entities/kabul/#entity"],
      ["Organization", "https://news.example.org/wire/entities/nato/#entity"],
      ["Person", "https://news.example.org/wire/entities/hamdullah-mohib/#entity"],
    ]);
    expect(node.mentions[1]).not.toHaveProperty("alternateName");
  });

  it("describes an entity in full on its own page, under the id articles refer to", () => {
    const nato = testArchive().entityById.get("nato");
    if (!nato) throw new Error("nato");
    const { node } = nodesFor("wire-2021-08-16-kabul-falls");
    expect(entityNode(config, nato)).toEqual({
      ...node.mentions[1],
      description: nato.description,
      alternateName: ["North Atlantic Treaty Organization"],
    });
    expect(nato.description).not.toBe("");
  });

  it("states no publication date for an undated article, not even its estimate", () => {
    const { node } = nodesFor("undated-estimate");
    expect(node).not.toHaveProperty("datePublished");
  });

  it("gives a breadcrumb trail of absolute URLs in order", () => {
    const trail = breadcrumbNode(config, [{ label: "People", path: "/people/" }], {
      label: "Hamdullah Mohib",
      path: "/entities/hamdullah-mohib/",
    });
    expect(trail.itemListElement).toEqual([
      { "@type": "ListItem", position: 1, name: "Home", item: "https://news.example.org/wire/" },
      {
        "@type": "ListItem",
        position: 2,
        name: "People",
        item: "https://news.example.org/wire/people/",
      },
      {
        "@type": "ListItem",
        position: 3,
        name: "Hamdullah Mohib",
        item: "https://news.example.org/wire/entities/hamdullah-mohib/",
      },
    ]);
  });

  it("cannot be broken out of by article text, and parses back to the same data", () => {
    const { node } = nodesFor("post-2021-04-14-withdrawal");
    expect(node.headline).toBe(HOSTILE_TITLE);
    const nasty = {
      ...node,
      description: "a</SCRIPT >b<!--c-->d<script>e\u2028f\u2029g&amp;",
    };
    const html = `<!doctype html><html><head><script type="application/ld+json">${jsonForScript(nasty)}</script></head><body><p>after</p></body></html>`;
    const found = scripts(html);
    // One script element, the JSON-LD one: nothing the text said opened another or closed it early.
    expect(found).toHaveLength(1);
    expect(found[0]?.attribs.type).toBe("application/ld+json");
    expect(JSON.parse(found[0]?.text ?? "")).toEqual(nasty);
    expect(found[0]?.text).not.toMatch(/[<>&\u2028\u2029]/);
  });
});
