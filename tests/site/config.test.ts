import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ContentError } from "../../src/records/index.ts";
import { loadSiteConfig } from "../../src/site/config.ts";

/** content/site.yaml and the SITE_URL / PATH_PREFIX / SITE_TITLE overrides. */

const roots: string[] = [];

async function rootWith(siteYaml: string | null): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), "site-config-"));
  roots.push(root);
  await mkdir(path.join(root, "content"));
  if (siteYaml !== null) await writeFile(path.join(root, "content", "site.yaml"), siteYaml);
  return root;
}

async function problemsOf(siteYaml: string, env: NodeJS.ProcessEnv = {}): Promise<string[]> {
  try {
    await loadSiteConfig(await rootWith(siteYaml), env);
  } catch (error) {
    if (error instanceof ContentError) return error.message.split("\n").slice(1);
    throw error;
  }
  throw new Error("expected a ContentError");
}

afterEach(async () => {
  for (const root of roots.splice(0)) await rm(root, { recursive: true, force: true });
});

describe("site configuration", () => {
  it("falls back to the documented defaults without a file", async () => {
    const config = await loadSiteConfig(await rootWith(null), {});
    expect(config).toMatchObject({
      title: "NATO & Afghanistan News Archive",
      url: "http://localhost:8080",
      pathPrefix: "/",
      pageSize: 50,
      language: "en",
    });
  });

  it("lets the environment override the file, normalising the prefix and URL", async () => {
    const root = await rootWith(
      "title: From the file\nurl: https://file.example\npathPrefix: /file/\n",
    );
    const config = await loadSiteConfig(root, {
      SITE_URL: "https://news.example.org/",
      PATH_PREFIX: "archive",
      SITE_TITLE: "From the environment",
    });
    expect(config).toMatchObject({
      url: "https://news.example.org",
      pathPrefix: "/archive/",
      title: "From the environment",
    });
    expect((await loadSiteConfig(root, { PATH_PREFIX: "/a/b" })).pathPrefix).toBe("/a/b/");
    expect((await loadSiteConfig(root, { PATH_PREFIX: "" })).pathPrefix).toBe("/file/");
  });

  it("names the line and setting of every mistake in site.yaml", async () => {
    expect(
      await problemsOf("title: Fine\npageSize: 2\nurl: ftp://example.org\ntheme: dark\n"),
    ).toEqual([
      "  content/site.yaml:2: pageSize: Too small: expected number to be >=5",
      "  content/site.yaml:3: url: must be an absolute http(s) URL such as https://example.org",
      "  content/site.yaml:4: theme: unknown setting (allowed: title, description, url, pathPrefix, pageSize, searchShardPages, language)",
    ]);
    expect(await problemsOf("pathPrefix: /a b/\n")).toEqual([
      "  content/site.yaml:1: pathPrefix: must start and end with / and contain only URL-safe folder names",
    ]);
  });

  it("names the variable when an override is wrong", async () => {
    expect(await problemsOf("", { SITE_URL: "example.org" })).toEqual([
      "  SITE_URL: url: must be an absolute http(s) URL such as https://example.org",
    ]);
    expect(await problemsOf("", { PATH_PREFIX: "/a?b/" })).toEqual([
      "  PATH_PREFIX: pathPrefix: must start and end with / and contain only URL-safe folder names",
    ]);
  });

  it("reports broken YAML and a file that is not a mapping by line, without a source dump", async () => {
    const broken = await problemsOf("title: [unclosed\n");
    expect(broken).toHaveLength(1);
    expect(broken[0]).toMatch(/^ {2}content\/site\.yaml:\d+: /);
    expect(await problemsOf("- title\n- url\n")).toEqual([
      "  content/site.yaml:1: must be a mapping of settings such as `title: My archive`",
    ]);
  });
});
