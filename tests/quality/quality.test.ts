import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { HtmlValidate } from "html-validate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildHostileFixture } from "../e2e/hostile.ts";
import { buildInto, cli, copyOfContent, hashTree, listFiles } from "../helpers/site.ts";

let work: string;
let site: string;
let hostile: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), "quality-"));
  site = path.join(work, "site");
  hostile = path.join(work, "hostile");
  const root = path.join(work, "hostile-root");
  await buildHostileFixture(root);
  const [a, b] = await Promise.all([buildInto(site), buildInto(hostile, root)]);
  if (a.code !== 0) throw new Error(a.stderr);
  if (b.code !== 0) throw new Error(b.stderr);
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe("valid HTML", () => {
  // Stylistic rules left out: the markup is generated, not hand-written, and these say nothing
  // about whether browsers and assistive technology read it correctly.
  const validator = new HtmlValidate({
    extends: ["html-validate:recommended"],
    rules: {
      "no-inline-style": "off",
      "long-title": "off",
      "no-trailing-whitespace": "off",
      "attribute-boolean-style": "off",
      "attribute-empty-style": "off",
      "void-style": "off",
      "no-redundant-role": "off",
    },
  });

  it("has zero errors on every page, hostile content included", async () => {
    const problems: string[] = [];
    for (const dir of [site, hostile]) {
      for (const file of (await listFiles(dir)).filter((f) => f.endsWith(".html"))) {
        const report = await validator.validateString(
          await readFile(path.join(dir, file), "utf8"),
          file,
        );
        for (const result of report.results) {
          for (const m of result.messages)
            problems.push(
              `${path.basename(dir)}/${file}:${m.line}:${m.column} ${m.ruleId}: ${m.message}`,
            );
        }
      }
    }
    expect(problems).toEqual([]);
  });
});

describe("hostile content", () => {
  const read = (p: string) => readFile(path.join(hostile, p), "utf8");

  it("keeps no script, handler, frame, image or dangerous URL from article bodies", async () => {
    const html = await read("articles/script-body/index.html");
    const body = html.slice(
      html.indexOf('<div class="body">'),
      html.indexOf('<footer class="provenance">'),
    );
    expect(body).not.toMatch(
      /<script|<iframe|<img|<style|<svg|\son\w+=|javascript:|data:text|expression\(|evil\.example/i,
    );
    expect(body).toContain(
      '<a href="https://example.org/" rel="nofollow noopener noreferrer ugc">ok</a>',
    );
    expect(body).toContain("nothing happened.");
  });

  it("escapes HTML in titles, front matter and knowledge-base names", async () => {
    const article = await read("articles/script-body/index.html");
    expect(article).toContain(
      "<h1>&lt;script>window.pwned = true&lt;/script>Headline with &lt;b>HTML&lt;/b> &amp; &quot;quotes&quot;</h1>",
    );
    expect(article).toContain("Source: &lt;img src=x onerror=&quot;window.pwned=true&quot;>");
    const entity = await read("entities/evil-corp/index.html");
    expect(entity).toContain("<h1>Evil &lt;Corp>&lt;script>window.pwned=true&lt;/script></h1>");
    for (const file of (await listFiles(hostile)).filter((f) => f.endsWith(".html"))) {
      const page = await read(file);
      const scripts = [...page.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
      for (const [, attributes, content] of scripts) {
        if (attributes === ' type="application/ld+json"') {
          expect(() => JSON.parse(content ?? ""), file).not.toThrow();
          expect(content).not.toMatch(/<\/?script/i);
        } else expect(file).toBe("search/index.html");
      }
    }
  });

  it("links mentions of an entity with an HTML-laden alias without breaking the markup", async () => {
    const html = await read("articles/entity-html/index.html");
    expect(html).toContain('<a href="/entities/evil-corp/" class="mention">Evil &#x3C;Corp></a>');
  });
});

describe("broken input through the CLI", () => {
  async function failingBuild(files: Record<string, string | Uint8Array>) {
    const root = await copyOfContent();
    for (const [name, content] of Object.entries(files)) {
      const file = path.join(root, "content", "articles", name);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, content);
    }
    const dist = path.join(root, "dist");
    const result = await buildInto(dist, root);
    await rm(root, { recursive: true, force: true });
    return result;
  }

  it("names every bad file, with line and field, without a stack trace", async () => {
    const big = new Uint8Array(20 * 1024 * 1024).fill(0x61);
    const result = await failingBuild({
      "yaml.md": "---\nid: yaml\ntitle: [unclosed\ndate: null\n---\nText.\n",
      "no-date.md": "---\nid: no-date\ntitle: T\n---\nText.\n",
      "bad-date.md": "---\nid: bad-date\ntitle: T\ndate: 2021-02-30\n---\nText.\n",
      "unknown.md": "---\nid: unknown\ntitle: T\ndate: null\nauthor: X\n---\nText.\n",
      "empty.md": "",
      "huge.md": big,
      "binary.md": new Uint8Array([0x2d, 0x2d, 0x2d, 0x0a, 0x00, 0x01, 0x02]),
      "latin1.md": new Uint8Array([...new TextEncoder().encode("---\nid: l\ntitle: "), 0xe9, 0x0a]),
      "traversal.md": "---\nid: ../../etc\ntitle: T\ndate: null\n---\nText.\n",
      "dup.md": "---\nid: 000_f6ad15a73a69bf8d\ntitle: T\ndate: null\n---\nText.\n",
    });
    expect(result.code).toBe(1);
    const lines = result.stderr;
    expect(lines).toMatch(/content\/articles\/yaml\.md:[34]: invalid YAML/);
    expect(lines).toContain("content/articles/no-date.md: date: is required");
    expect(lines).toContain(
      'content/articles/bad-date.md:4: date: "2021-02-30" is not a valid date (expected YYYY-MM-DD)',
    );
    expect(lines).toMatch(
      /content\/articles\/unknown\.md:5: unknown field author \(allowed: id, title, date/,
    );
    expect(lines).toContain(
      "content/articles/empty.md: is empty; an article needs front matter and a body",
    );
    expect(lines).toContain(
      "content/articles/huge.md: is 20.0 MB; articles larger than 2 MB are refused",
    );
    expect(lines).toContain(
      "content/articles/binary.md: is a binary file (contains NUL bytes), not Markdown text",
    );
    expect(lines).toContain(
      "content/articles/latin1.md: is not valid UTF-8 text; re-save it as UTF-8",
    );
    expect(lines).toMatch(
      /content\/articles\/traversal\.md:2: id: must be 1-128 lowercase letters/,
    );
    expect(lines).toContain(
      'content/articles/dup.md: id: "000_f6ad15a73a69bf8d" is already used by content/articles/000_f6ad15a73a69bf8d.md; ids must be unique',
    );
    expect(lines).not.toMatch(/\n\s+at /);
  });

  it("builds a correct page from a BOM, CRLF and a 100,000-character line", async () => {
    const root = await copyOfContent();
    const long = `${"word ".repeat(20_000).trim()}.`;
    await writeFile(
      path.join(root, "content", "articles", "odd.md"),
      `\uFEFF---\r\nid: odd\r\ntitle: Odd file\r\ndate: 2020-02-29\r\n---\r\nFirst line.\r\n\r\n${long}\r\n`,
    );
    const dist = path.join(root, "dist");
    const result = await buildInto(dist, root);
    expect(result.code).toBe(0);
    const html = await readFile(path.join(dist, "articles", "odd", "index.html"), "utf8");
    expect(html).toContain("<h1>Odd file</h1>");
    expect(html).toContain('<time datetime="2020-02-29">29 February 2020</time>');
    expect(html).toContain(`<p>${long}</p>`);
    expect(html).not.toContain("\r");
    await rm(root, { recursive: true, force: true });
  });

  it("never writes outside the output folder and leaves the previous site intact on failure", async () => {
    const root = await copyOfContent();
    const dist = path.join(root, "dist");
    await buildInto(dist, root);
    const before = await hashTree(dist);
    const outside = await listFiles(root);
    await writeFile(
      path.join(root, "content", "articles", "x.md"),
      "---\nid: con\ntitle: T\ndate: null\nsourceFile: ../../../etc/passwd\n---\n\n",
    );
    const result = await buildInto(dist, root);
    expect(result.code).toBe(1);
    expect(await hashTree(dist)).toBe(before);
    const after = (await listFiles(root)).filter((f) => !f.startsWith("dist/"));
    expect(after).toEqual(
      [...outside.filter((f) => !f.startsWith("dist/")), "content/articles/x.md"].sort(),
    );
    await rm(root, { recursive: true, force: true });
  });
});

describe("running from another folder", () => {
  it("builds the content of the current folder with this package's templates", async () => {
    const root = await copyOfContent();
    const result = await cli(["build"], {}, root);
    expect(result.code).toBe(0);
    const html = await readFile(
      path.join(root, "dist", "articles", "004_2e667484c972bbe6", "index.html"),
      "utf8",
    );
    expect(html).toContain(
      "<h1>Earlier in the day, foreign ministers of NATO states on Friday held a meeting in Brussels…</h1>",
    );
    expect(await readFile(path.join(root, "dist", "assets", "style.css"), "utf8")).toContain(
      "prefers-color-scheme: dark",
    );
    await rm(root, { recursive: true, force: true });
  });
});
