import { XMLParser, XMLValidator } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { atomFeed, type FeedScope, feedScopes, jsonFeed } from "../../src/site/feeds.ts";
import { config, HOSTILE_TITLE, testArchive } from "./corpus.ts";

interface AtomEntry {
  id: string;
  title: string;
  updated: string;
  published?: string;
  summary: string;
  link: { "@_href": string; "@_rel": string };
}

const parser = new XMLParser({
  ignoreAttributes: false,
  isArray: (name) => name === "entry" || name === "link",
});

function parseAtom(xml: string) {
  // A feed a reader cannot parse is no feed: check well-formedness before anything else.
  expect(XMLValidator.validate(xml)).toBe(true);
  const feed = parser.parse(xml).feed as {
    id: string;
    title: string;
    updated: string;
    link: { "@_href": string; "@_rel": string }[];
    entry?: (Omit<AtomEntry, "link"> & { link: AtomEntry["link"][] })[];
  };
  return { ...feed, entries: feed.entry ?? [] };
}

function scope(path: string): FeedScope {
  const archive = testArchive();
  const found = feedScopes(archive, config.title).find((s) => s.path === path);
  if (!found) throw new Error(`no scope ${path}`);
  return found;
}

describe("Atom feeds", () => {
  it("list the archive newest first with URN ids, absolute links and escaped text", () => {
    const archive = testArchive();
    const feed = parseAtom(atomFeed(archive, config, scope("/")));
    expect(feed.title).toBe(config.title);
    expect(feed.link.map((l) => [l["@_rel"], l["@_href"]])).toEqual([
      ["self", "https://news.example.org/wire/feed.xml"],
      ["alternate", "https://news.example.org/wire/"],
    ]);
    // The estimate is filed at its start; the undated article has no date to give a reader.
    expect(feed.entries.map((e) => e.id)).toEqual([
      "urn:news-archive:article:undated-estimate",
      "urn:news-archive:article:wire-2021-08-16-kabul-falls",
      "urn:news-archive:article:post-2021-04-14-withdrawal",
      "urn:news-archive:article:wire-2021-04-02-talks",
    ]);
    const hostile = feed.entries.find((e) => e.id.endsWith("post-2021-04-14-withdrawal"));
    expect(hostile?.title).toBe(HOSTILE_TITLE);
    expect(hostile?.link[0]?.["@_href"]).toBe(
      "https://news.example.org/wire/articles/post-2021-04-14-withdrawal/",
    );
    expect(hostile?.summary).toContain('NATO agreed to leave, "officials" said');
  });

  it("give every entry a real date: the article's, or the start of its estimate, never an invented one", () => {
    const archive = testArchive();
    const xml = atomFeed(archive, config, scope("/"));
    const feed = parseAtom(xml);
    const byId = new Map(feed.entries.map((e) => [e.id.split(":").pop(), e]));
    expect(byId.get("wire-2021-08-16-kabul-falls")?.updated).toBe("2021-08-16T00:00:00Z");
    expect(byId.get("wire-2021-08-16-kabul-falls")?.published).toBe("2021-08-16T00:00:00Z");
    // A header time is kept, not rounded to the day.
    expect(byId.get("post-2021-04-14-withdrawal")?.published).toBe("2021-04-14T18:30:00Z");
    expect(byId.get("undated-estimate")?.updated).toBe("2021-09-01T00:00:00Z");
    expect(byId.get("undated-estimate")?.published).toBeUndefined();
    expect(byId.has("undated-plain")).toBe(false);
    expect(xml).not.toContain("1970");
    // The feed changed when its newest item did, not when it was built.
    expect(feed.updated).toBe("2021-09-01T00:00:00Z");
  });

  it("exist for an entity and a topic with only their own articles", () => {
    const archive = testArchive();
    const kabul = parseAtom(atomFeed(archive, config, scope("/entities/kabul/")));
    expect(kabul.title).toBe(`Kabul · ${config.title}`);
    expect(kabul.link[0]?.["@_href"]).toBe("https://news.example.org/wire/entities/kabul/feed.xml");
    expect(kabul.entries.map((e) => e.id.split(":").pop())).toEqual([
      "undated-estimate",
      "wire-2021-08-16-kabul-falls",
    ]);
    const withdrawal = parseAtom(atomFeed(archive, config, scope("/topics/withdrawal/")));
    expect(withdrawal.entries.map((e) => e.id.split(":").pop())).toEqual([
      "wire-2021-08-16-kabul-falls",
      "post-2021-04-14-withdrawal",
    ]);
    expect(withdrawal.updated).toBe("2021-08-16T00:00:00Z");
  });

  it("are the same bytes whatever order the articles were read in, and keep ids across hosts", () => {
    const a = atomFeed(testArchive(), config, scope("/"));
    const b = atomFeed(testArchive("reversed"), config, scope("/"));
    expect(b).toBe(a);
    const moved = { ...config, url: "https://mirror.example.net", pathPrefix: "/" };
    const idsOf = (xml: string) => parseAtom(xml).entries.map((e) => e.id);
    expect(idsOf(atomFeed(testArchive(), moved, scope("/")))).toEqual(idsOf(a));
  });
});

describe("JSON feeds", () => {
  it("carry every field JSON Feed 1.1 requires, and undated items last without a date", () => {
    const archive = testArchive();
    const feed = JSON.parse(jsonFeed(archive, config, scope("/"))) as {
      version: string;
      title: string;
      home_page_url: string;
      feed_url: string;
      items: {
        id: string;
        url: string;
        title: string;
        content_text?: string;
        content_html?: string;
        date_published?: string;
        date_modified?: string;
      }[];
    };
    expect(feed.version).toBe("https://jsonfeed.org/version/1.1");
    expect(feed.title).toBe(config.title);
    expect(feed.home_page_url).toBe("https://news.example.org/wire/");
    expect(feed.feed_url).toBe("https://news.example.org/wire/feed.json");
    expect(feed.items.length).toBe(5);
    for (const item of feed.items) {
      // 1.1: id is a string, and each item has content_text or content_html.
      expect(typeof item.id).toBe("string");
      expect(item.id).toMatch(/^urn:news-archive:article:[a-z0-9-]+$/);
      expect(typeof (item.content_text ?? item.content_html)).toBe("string");
      expect(item.url).toBe(`https://news.example.org/wire/articles/${item.id.split(":").pop()}/`);
    }
    const last = feed.items.at(-1);
    expect(last?.id).toBe("urn:news-archive:article:undated-plain");
    expect(last?.date_published).toBeUndefined();
    expect(last?.date_modified).toBeUndefined();
    const hostile = feed.items.find((i) => i.id.endsWith("post-2021-04-14-withdrawal"));
    expect(hostile?.title).toBe(HOSTILE_TITLE);
    expect(hostile?.date_published).toBe("2021-04-14T18:30:00Z");
  });
});

describe("feed dates", () => {
  it("read a header time without a zone as UTC and normalise offsets, whatever the machine's zone", () => {
    const zone = process.env.TZ;
    process.env.TZ = "Asia/Kabul";
    try {
      const archive = testArchive();
      const dates: Record<string, string> = {
        "post-2021-04-14-withdrawal": "2021-04-14T18:30",
        "wire-2021-04-02-talks": "2021-04-02T09:00:00+0430",
      };
      for (const [id, date] of Object.entries(dates)) {
        const article = archive.articleById.get(id);
        if (article) article.date = date;
      }
      const items = (
        JSON.parse(jsonFeed(archive, config, scope("/"))) as {
          items: { id: string; date_published?: string }[];
        }
      ).items;
      const published = (id: string) => items.find((i) => i.id.endsWith(id))?.date_published;
      expect(published("post-2021-04-14-withdrawal")).toBe("2021-04-14T18:30:00Z");
      expect(published("wire-2021-04-02-talks")).toBe("2021-04-02T04:30:00Z");
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
  });
});
