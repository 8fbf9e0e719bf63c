import { cp, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";

/**
 * A content root full of hostile text: every way scraped HTML or an editor's slip could try to
 * run script or load from elsewhere, in article bodies, front matter and the knowledge base.
 */

const REPO = path.resolve(import.meta.dirname, "..", "..");

export const HOSTILE_ARTICLES: Record<string, string> = {
  "script-body": `---
id: script-body
title: "<script>window.pwned = true</script>Headline with <b>HTML</b> & \\"quotes\\""
date: 2021-08-16
source: "<img src=x onerror=\\"window.pwned=true\\">"
dateline: "<svg onload=alert(1)>"
sourceTags: ["<script>alert(1)</script>"]
---
Jens Stoltenberg said <script>window.pwned = true; alert(1)</script> nothing happened.

<img src="https://evil.example/pixel.png" onerror="window.pwned = true">

<iframe src="https://evil.example/frame"></iframe>

[click](javascript:window.pwned=true) and [data](data:text/html,<script>alert(1)</script>) and [ok](https://example.org/).

<a href="#" onclick="window.pwned = true">inline handler</a> <div style="background:url(javascript:alert(1));width:expression(alert(1))">css</div>

<style>body { background: url(https://evil.example/bg.png) }</style>

![image](https://evil.example/tracker.gif)
`,
  "entity-html": `---
id: entity-html
title: Evil entity names
date: 2021-08-17
---
The Evil &lt;Corp&gt; met Jens Stoltenberg and "><script>window.pwned=true</script> in Kabul.
`,
};

export const HOSTILE_ENTITIES = `
  - id: evil-corp
    name: "Evil <Corp><script>window.pwned=true</script>"
    kind: organization
    description: "<img src=x onerror=window.pwned=true> description"
    aliases:
      - "Evil <Corp>"
      - '"><script>window.pwned=true</script>'
`;

export async function buildHostileFixture(root: string): Promise<void> {
  await mkdir(path.join(root, "content", "articles"), { recursive: true });
  await cp(path.join(REPO, "content", "knowledge"), path.join(root, "content", "knowledge"), {
    recursive: true,
  });
  const entities = path.join(root, "content", "knowledge", "entities.yaml");
  const { readFile } = await import("node:fs/promises");
  await writeFile(entities, `${await readFile(entities, "utf8")}${HOSTILE_ENTITIES}`);
  for (const [id, source] of Object.entries(HOSTILE_ARTICLES)) {
    await writeFile(path.join(root, "content", "articles", `${id}.md`), source);
  }
}
