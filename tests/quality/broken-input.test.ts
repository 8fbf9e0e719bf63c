import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ContentProblem,
  formatProblem,
  loadArticles,
  MAX_ARTICLE_BYTES,
  parseArticleSource,
} from "../../src/records/index.ts";
import { buildInto, hashTree, listFiles } from "../helpers/site.ts";
import { projectWith, STACK_FRAME } from "./lib/project.ts";

/**
 * Broken article files, each checked twice: at the records level (parseArticleSource/loadArticles
 * return exactly these problems, never throw) and through the CLI the way a user meets them
 * (`news-archive build` exits 1, prints the same file:line: field: message, and no stack trace).
 */

const encode = (text: string) => new TextEncoder().encode(text);
const roots: string[] = [];
afterAll(async () => {
  await Promise.all(roots.map((root) => rm(root, { recursive: true, force: true })));
});

async function buildProject(files: Record<string, string | Uint8Array>) {
  const root = await projectWith(files);
  roots.push(root);
  const out = path.join(root, "dist");
  return { root, out, result: await buildInto(out, root) };
}

const ID_RULE =
  "must be 1-128 lowercase letters, digits, '-' or '_', starting and ending with a letter or digit";
const ALLOWED =
  "id, title, date, dateEvidence, source, dateline, sourceTags, sourceFile, importDigest, topics";

interface BrokenCase {
  name: string;
  bytes: () => Uint8Array;
  problems: Omit<ContentProblem, "file">[];
}

const BROKEN: BrokenCase[] = [
  {
    name: "invalid YAML (unclosed quote)",
    bytes: () => encode('---\nid: yaml\ntitle: "unclosed\ndate: null\n---\nText.\n'),
    problems: [{ line: 5, message: 'invalid YAML: Missing closing "quote' }],
  },
  {
    name: "invalid YAML (bad indentation)",
    bytes: () => encode("---\nid: yaml\ntitle: T\ndate: null\n  bad: indent\n---\nText.\n"),
    problems: [
      { line: 4, message: "invalid YAML: Nested mappings are not allowed in compact mappings" },
    ],
  },
  {
    name: "a key given twice",
    bytes: () => encode("---\nid: x\nid: y\ntitle: T\ndate: null\n---\nText.\n"),
    problems: [{ line: 3, message: "invalid YAML: Map keys must be unique" }],
  },
  {
    name: "a missing date",
    bytes: () => encode("---\nid: no-date\ntitle: T\n---\nText.\n"),
    problems: [{ field: "date", message: "is required" }],
  },
  {
    name: "an impossible date (2021-02-30)",
    bytes: () => encode("---\nid: bad-date\ntitle: T\ndate: 2021-02-30\n---\nText.\n"),
    problems: [
      { line: 4, field: "date", message: '"2021-02-30" is not a valid date (expected YYYY-MM-DD)' },
    ],
  },
  {
    name: "29 February of a common year",
    bytes: () => encode("---\nid: leap\ntitle: T\ndate: 2021-02-29\n---\nText.\n"),
    problems: [
      { line: 4, field: "date", message: '"2021-02-29" is not a valid date (expected YYYY-MM-DD)' },
    ],
  },
  {
    name: "a date in words",
    bytes: () => encode("---\nid: words\ntitle: T\ndate: yesterday\n---\nText.\n"),
    problems: [
      { line: 4, field: "date", message: '"yesterday" is not a valid date (expected YYYY-MM-DD)' },
    ],
  },
  {
    name: "an unknown field",
    bytes: () => encode("---\nid: unknown\ntitle: T\ndate: null\nauthor: X\n---\nText.\n"),
    problems: [{ line: 5, message: `unknown field author (allowed: ${ALLOWED})` }],
  },
  {
    name: "a title that is a number",
    bytes: () => encode("---\nid: num\ntitle: 123\ndate: null\n---\nText.\n"),
    problems: [
      { line: 3, field: "title", message: "Invalid input: expected string, received number" },
    ],
  },
  {
    name: "front matter that is a list",
    bytes: () => encode("---\n- a\n- b\n---\nText.\n"),
    problems: [{ line: 2, message: "front matter must be a mapping of fields" }],
  },
  {
    name: "an empty file",
    bytes: () => new Uint8Array(),
    problems: [{ message: "is empty; an article needs front matter and a body" }],
  },
  {
    name: "no front matter",
    bytes: () => encode("Just text.\n"),
    problems: [{ line: 1, message: "has no front matter; the file must start with a line `---`" }],
  },
  {
    name: "front matter never closed",
    bytes: () => encode("---\nid: x\ntitle: T\n"),
    problems: [{ line: 1, message: "front matter is not closed; add a line `---` after it" }],
  },
  {
    name: "front matter and no body",
    bytes: () => encode("---\nid: x\ntitle: T\ndate: null\n---\n"),
    problems: [{ line: 6, field: "body", message: "has no article text after the front matter" }],
  },
  {
    name: "a 20 MB file",
    bytes: () => new Uint8Array(20 * 1024 * 1024).fill(0x61),
    problems: [{ message: "is 20.0 MB; articles larger than 2 MB are refused" }],
  },
  {
    name: "a binary file (PNG header)",
    bytes: () => new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00]),
    problems: [{ message: "is a binary file (contains NUL bytes), not Markdown text" }],
  },
  {
    name: "invalid UTF-8 (a Latin-1 é)",
    bytes: () => new Uint8Array([...encode("---\nid: l\ntitle: Caf"), 0xe9, 0x0a]),
    problems: [{ message: "is not valid UTF-8 text; re-save it as UTF-8" }],
  },
  {
    name: "a YAML alias bomb",
    bytes: () => {
      const levels = ["a: &a [x, x, x, x, x, x, x, x, x]"];
      for (let i = 1; i < 8; i += 1) {
        const prev = String.fromCharCode(96 + i);
        const name = String.fromCharCode(97 + i);
        levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(", ")}]`);
      }
      return encode(`---\n${levels.join("\n")}\nid: bomb\ntitle: T\ndate: null\n---\nText.\n`);
    },
    problems: [
      { line: 1, message: "Excessive alias count indicates a resource exhaustion attack" },
    ],
  },
  {
    name: "100,000 nested brackets",
    bytes: () =>
      encode(
        `---\nid: deep\ntitle: ${"[".repeat(100_000)}${"]".repeat(100_000)}\ndate: null\n---\nText.\n`,
      ),
    problems: [{ line: 3, message: "invalid YAML: Maximum call stack size exceeded" }],
  },
];

describe("each broken file gives a clear error at the records level", () => {
  it.each(BROKEN)("$name", ({ name, bytes, problems }) => {
    const file = `content/articles/${name.replace(/\W+/g, "-")}.md`;
    const result = parseArticleSource(bytes(), file);
    expect(result).toEqual({ ok: false, problems: problems.map((p) => ({ file, ...p })) });
  });

  it("refuses a 20 MB file by its size without reading it, and names both files of a duplicate id", async () => {
    const root = await projectWith({
      "content/articles/huge.md": new Uint8Array(MAX_ARTICLE_BYTES * 10).fill(0x61),
      "content/articles/z-copy.md": "---\nid: formula\ntitle: Copy\ndate: null\n---\nText.\n",
    });
    roots.push(root);
    const { articles, problems } = await loadArticles(path.join(root, "content", "articles"), root);
    expect(problems).toEqual([
      {
        file: "content/articles/huge.md",
        message: "is 20.0 MB; articles larger than 2 MB are refused",
      },
      {
        file: "content/articles/z-copy.md",
        field: "id",
        message: '"formula" is already used by content/articles/formula.md; ids must be unique',
      },
    ]);
    expect(articles.map((a) => a.id).sort()).toEqual([
      "entity-html",
      "formula",
      "front-matter",
      "script-body",
    ]);
  });
});

describe("each broken file fails the CLI build with exit 1, file, line and field, no stack trace", () => {
  const fileOf = (name: string) => `content/articles/${name.replace(/\W+/g, "-")}.md`;
  // One build holding every broken file: the CLI must report all of them, not stop at the first.
  let build: Awaited<ReturnType<typeof buildProject>>;
  beforeAll(async () => {
    build = await buildProject(Object.fromEntries(BROKEN.map((c) => [fileOf(c.name), c.bytes()])));
  });

  it("exits 1, counts every problem, writes nothing and prints no stack trace", () => {
    expect(build.result.code).toBe(1);
    const total = BROKEN.reduce((sum, c) => sum + c.problems.length, 0);
    expect(build.result.stderr.split("\n")[0]).toBe(
      `news-archive build: ${total} problems in content:`,
    );
    expect(build.result.stderr.trimEnd().split("\n")).toHaveLength(total + 1);
    expect(build.result.stderr).not.toMatch(STACK_FRAME);
    expect(build.result.stdout).toBe("");
    expect(existsSync(build.out)).toBe(false);
  });

  it.each(BROKEN)("$name", ({ name, problems }) => {
    for (const p of problems) {
      expect(build.result.stderr).toContain(`\n  ${formatProblem({ file: fileOf(name), ...p })}\n`);
    }
  });

  it("names both files when two articles share an id", async () => {
    const { result } = await buildProject({
      "content/articles/z-copy.md": "---\nid: formula\ntitle: Copy\ndate: null\n---\nText.\n",
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      '  content/articles/z-copy.md: id: "formula" is already used by content/articles/formula.md; ids must be unique',
    );
  });

  it("says what to do when the folder has no content/articles, without a stack trace", async () => {
    const empty = await mkdtemp(path.join(tmpdir(), "no-content-"));
    try {
      const result = await buildInto(path.join(empty, "dist"), empty);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("content/articles: no such folder under");
      expect(result.stderr).toContain("--root");
      expect(result.stderr).not.toMatch(STACK_FRAME);
      expect(existsSync(path.join(empty, "dist"))).toBe(false);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  it("reports a broken knowledge base with its file and line", async () => {
    const { result } = await buildProject({
      "content/knowledge/topics.yaml": "topics:\n  - id: t\n    label: [unclosed\n",
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^news-archive build: .*\n {2}content\/knowledge\/topics\.yaml:\d+: /,
    );
    expect(result.stderr).not.toMatch(STACK_FRAME);
  });
});

describe("---js front matter is refused and never evaluated", () => {
  const variants = ["---js", "--- js", "---javascript", "---coffee"];

  it.each(variants)("%s at the records level sets no global", (opening) => {
    const marker = `pwned_${opening.replace(/\W/g, "")}`;
    const result = parseArticleSource(
      encode(
        `${opening}\n{ id: (globalThis.${marker} = true, "x"), title: "T", date: null }\n---\nBody.\n`,
      ),
      "content/articles/evil.md",
    );
    const language = opening.replace(/^---\s*/, "");
    expect(result).toEqual({
      ok: false,
      problems: [
        {
          file: "content/articles/evil.md",
          line: 1,
          message: `front matter language "${language}" is not allowed; use YAML (---)`,
        },
      ],
    });
    expect(marker in globalThis).toBe(false);
  });

  it("through the CLI: exit 1, named file and line, and the file it would write does not exist", async () => {
    const root = await projectWith();
    roots.push(root);
    const marker = path.join(root, "PWNED");
    await writeFile(
      path.join(root, "content", "articles", "evil.md"),
      `---js\n{ id: (require("fs").writeFileSync(${JSON.stringify(marker)}, "x"), "evil"), title: "T", date: null }\n---\nBody.\n`,
    );
    const result = await buildInto(path.join(root, "dist"), root);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'news-archive build: 1 problem in content:\n  content/articles/evil.md:1: front matter language "js" is not allowed; use YAML (---)\n',
    );
    expect(existsSync(marker)).toBe(false);
  });

  it("a YAML !!js/function tag stays an inert string", () => {
    const result = parseArticleSource(
      encode(
        '---\nid: tag\ntitle: !!js/function "function () { globalThis.pwnedTag = true }"\ndate: null\n---\nText.\n',
      ),
      "content/articles/tag.md",
    );
    expect(result.ok && result.article.title).toBe("function () { globalThis.pwnedTag = true }");
    expect("pwnedTag" in globalThis).toBe(false);
  });
});

describe("odd but valid files give a correct page", () => {
  const long = `${"word ".repeat(20_000).trim()}.`;
  const files: Record<string, string | Uint8Array> = {
    "content/articles/bom.md": `\uFEFF---\nid: bom\ntitle: BOM file\ndate: 2020-02-29\n---\nAfter a byte order mark.\n`,
    "content/articles/crlf.md":
      "---\r\nid: crlf\r\ntitle: CRLF file\r\ndate: 2021-01-02\r\n---\r\nFirst line.\r\n\r\nSecond paragraph.\r\n",
    "content/articles/cr.md":
      "---\rid: cr\rtitle: CR file\rdate: 2021-01-03\r---\rOld Mac line ends.\r",
    "content/articles/long.md": `---\nid: long-line\ntitle: Long line\ndate: null\n---\n${long}\n`,
  };

  it("at the records level", () => {
    const parsed = Object.entries(files).map(([file, text]) =>
      parseArticleSource(typeof text === "string" ? encode(text) : text, file),
    );
    expect(
      parsed.map((r) =>
        r.ok ? [r.article.id, r.article.title, r.article.date, r.article.text] : r,
      ),
    ).toEqual([
      ["bom", "BOM file", "2020-02-29", "After a byte order mark."],
      ["crlf", "CRLF file", "2021-01-02", "First line.\n\nSecond paragraph."],
      ["cr", "CR file", "2021-01-03", "Old Mac line ends."],
      ["long-line", "Long line", null, long],
    ]);
  });

  it("through the CLI", async () => {
    const { out, result } = await buildProject(files);
    expect(result.code, result.stderr).toBe(0);
    const page = (id: string) => readFile(path.join(out, "articles", id, "index.html"), "utf8");
    expect(await page("bom")).toContain("<h1>BOM file</h1>");
    expect(await page("bom")).toContain('<time datetime="2020-02-29">29 February 2020</time>');
    expect(await page("crlf")).toContain("<p>First line.</p>\n<p>Second paragraph.</p>");
    expect(await page("cr")).toContain("<p>Old Mac line ends.</p>");
    expect(await page("long-line")).toContain(`<p>${long}</p>`);
    for (const id of ["bom", "crlf", "cr", "long-line"]) {
      expect(await page(id)).not.toMatch(/\r|\uFEFF/);
    }
  });
});

describe("ids and slugs never write outside the output folder", () => {
  const HOSTILE_IDS = [
    "../escape",
    "a/b",
    "%2e%2e",
    "..",
    ".",
    "a\u0000b",
    "CON",
    "x/../../y",
    " con",
    "соn",
    "-x",
    "a".repeat(129),
  ];

  it.each(HOSTILE_IDS)("refuses the id %j at the records level", (id) => {
    const result = parseArticleSource(
      encode(`---\nid: ${JSON.stringify(id)}\ntitle: T\ndate: null\n---\nText.\n`),
      "content/articles/x.md",
    );
    expect(result).toEqual({
      ok: false,
      problems: [{ file: "content/articles/x.md", line: 2, field: "id", message: ID_RULE }],
    });
  });

  it("refuses them through the CLI and writes nothing, inside or outside", async () => {
    const files = Object.fromEntries(
      HOSTILE_IDS.map((id, i) => [
        `content/articles/bad-${i}.md`,
        `---\nid: ${JSON.stringify(id)}\ntitle: T\ndate: null\n---\nText.\n`,
      ]),
    );
    const { root, out, result } = await buildProject(files);
    expect(result.code).toBe(1);
    for (const i of HOSTILE_IDS.keys())
      expect(result.stderr).toContain(`  content/articles/bad-${i}.md:2: id: ${ID_RULE}`);
    expect(result.stderr).not.toMatch(STACK_FRAME);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(path.join(root, "escape"))).toBe(false);
    expect(existsSync(path.join(path.dirname(root), "escape"))).toBe(false);
  });

  it("refuses an entity id that climbs out of entities/", async () => {
    const entities = await readFile(
      path.join(
        import.meta.dirname,
        "..",
        "fixtures",
        "hostile",
        "content",
        "knowledge",
        "entities.yaml",
      ),
      "utf8",
    );
    const { out, result } = await buildProject({
      "content/knowledge/entities.yaml": `${entities}  - id: ../../escape\n    name: Escape\n    kind: place\n`,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /content\/knowledge\/entities\.yaml:\d+: .*id.*must be 1-128 lowercase/,
    );
    expect(existsSync(out)).toBe(false);
  });

  it("writes the pages of ids that are file names elsewhere (index, con, nul) inside the output folder only", async () => {
    const ids = ["index", "con", "nul"];
    const { root, out, result } = await buildProject(
      Object.fromEntries(
        ids.map((id) => [
          `content/articles/${id}.md`,
          `---\nid: ${id}\ntitle: Named ${id}\ndate: null\n---\nText of ${id}.\n`,
        ]),
      ),
    );
    if (result.code === 0) {
      for (const id of ids) {
        expect(await readFile(path.join(out, "articles", id, "index.html"), "utf8")).toContain(
          `<h1>Named ${id}</h1>`,
        );
      }
    } else {
      // Refusing device names such as con and nul (reserved on Windows) is the other safe outcome.
      expect(result.stderr).toMatch(/content\/articles\/(con|nul)\.md:2: id: /);
      expect(result.stderr).not.toMatch(STACK_FRAME);
    }
    const files = await listFiles(root);
    const outside = files.filter(
      (f) =>
        !f.startsWith("dist/") &&
        !f.startsWith("content/") &&
        // The build's own cache, named by content hashes, never by ids.
        !f.startsWith(".cache/news-archive/"),
    );
    expect(outside).toEqual([]);
  });

  it("does not read an article symlinked from outside the content folder", async () => {
    const root = await projectWith();
    roots.push(root);
    const secret = path.join(root, "secret.md");
    await writeFile(secret, "---\nid: secret\ntitle: SECRET-TITLE\ndate: null\n---\nSECRET-BODY\n");
    const { symlink } = await import("node:fs/promises");
    await symlink(secret, path.join(root, "content", "articles", "link.md"));
    const out = path.join(root, "dist");
    const result = await buildInto(out, root);
    if (result.code === 0) {
      for (const file of (await listFiles(out)).filter((f) => /\.(html|json|xml|csv)$/.test(f)))
        expect(await readFile(path.join(out, file), "utf8"), file).not.toContain("SECRET");
    } else expect(result.stderr).toContain("content/articles/link.md");
  });
});

describe("a failed build leaves the previous output exactly as it was", () => {
  it.each([
    [
      "a broken article",
      { "content/articles/broken.md": "---\nid: broken\ntitle: T\ndate: 2021-02-30\n---\nText.\n" },
    ],
    [
      "a broken knowledge base",
      { "content/knowledge/entities.yaml": "entities:\n  - id: x\n    kind: martian\n" },
    ],
    ["a broken site.yaml", { "content/site.yaml": "url: not a url\n" }],
  ])("after %s", async (_name, broken) => {
    const root = await projectWith();
    roots.push(root);
    const out = path.join(root, "dist");
    expect((await buildInto(out, root)).code).toBe(0);
    await writeFile(path.join(out, "keep.txt"), "a file of the previous deploy");
    const before = await hashTree(out);
    for (const [file, text] of Object.entries(broken)) {
      await mkdir(path.dirname(path.join(root, file)), { recursive: true });
      await writeFile(path.join(root, file), text);
    }
    const result = await buildInto(out, root);
    expect(result.code).toBe(1);
    expect(result.stderr).not.toMatch(STACK_FRAME);
    expect(await hashTree(out)).toBe(before);
  });
});
