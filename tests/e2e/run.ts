import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { type Browser, chromium, type Page } from "playwright-core";
import { createStaticServer } from "../../src/site/serve.ts";
import { buildHostileFixture } from "./hostile.ts";

/**
 * Browser tests: the built site served on 127.0.0.1 and driven in Debian's Chromium. Each check is
 * reported on its own line; the run ends with "N passed, N failed" and a non-zero exit on failure.
 */

const REPO = path.resolve(import.meta.dirname, "..", "..");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const ARTIFACTS = path.join(REPO, "artifacts", "screenshots");
const run = promisify(execFile);

if (!existsSync(CHROMIUM)) {
  console.error(
    `Chromium was not found at ${CHROMIUM}. Install Debian's package: apt-get update && apt-get install -y chromium\n(or set CHROMIUM_PATH). The tests never download a browser.`,
  );
  process.exit(1);
}

async function build(out: string, root: string, env: Record<string, string> = {}): Promise<void> {
  await run(
    process.execPath,
    [path.join(REPO, "bin", "news-archive.js"), "build", "--root", root, "--out", out, "--quiet"],
    {
      cwd: REPO,
      env: { ...process.env, SITE_URL: "", PATH_PREFIX: "", ...env },
    },
  );
}

async function serve(dir: string, prefix = "/"): Promise<{ origin: string; close: () => void }> {
  const server = createStaticServer(dir, prefix);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { origin: `http://127.0.0.1:${port}`, close: () => server.close() };
}

let passed = 0;
let failed = 0;
async function check(name: string, body: () => Promise<void>): Promise<void> {
  try {
    await body();
    passed += 1;
    console.log(`ok     ${name}`);
  } catch (error) {
    failed += 1;
    console.log(
      `FAILED ${name}\n       ${error instanceof Error ? error.message.split("\n").join("\n       ") : String(error)}`,
    );
  }
}

function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

/** Fails a page that opens a dialog or asks anything of another origin. */
function guard(page: Page, origin: string, incidents: string[]): void {
  page.on("dialog", async (dialog) => {
    incidents.push(`dialog opened: ${dialog.message()}`);
    await dialog.dismiss();
  });
  page.on("request", (request) => {
    const url = request.url();
    if (!url.startsWith(origin) && !url.startsWith("data:") && !url.startsWith("about:")) {
      incidents.push(`request to another origin: ${url}`);
    }
  });
  page.on("pageerror", (error) => incidents.push(`script error: ${error.message}`));
}

async function newContext(
  browser: Browser,
  options: { javaScriptEnabled?: boolean; colorScheme?: "light" | "dark" } = {},
) {
  return browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
}

const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];
interface AxeResult {
  violations: { id: string; impact: string; nodes: { target: string[] }[] }[];
  passes: { id: string }[];
}

async function axe(page: Page): Promise<AxeResult> {
  await page.addScriptTag({ path: path.join(REPO, "node_modules", "axe-core", "axe.min.js") });
  return page.evaluate(async (tags) => {
    const runner = (
      window as unknown as { axe: { run: (ctx: Document, o: object) => Promise<AxeResult> } }
    ).axe;
    return runner.run(document, { runOnly: { type: "tag", values: tags } });
  }, AXE_TAGS);
}

async function main(): Promise<void> {
  const work = await mkdtemp(path.join(tmpdir(), "e2e-"));
  const site = path.join(work, "site");
  const prefixed = path.join(work, "prefixed");
  const hostileRoot = path.join(work, "hostile-root");
  const hostileSite = path.join(work, "hostile");
  console.log("building the sites under test…");
  await build(site, REPO);
  await build(prefixed, REPO, { PATH_PREFIX: "/archive/" });
  await buildHostileFixture(hostileRoot);
  await build(hostileSite, hostileRoot);
  await mkdir(ARTIFACTS, { recursive: true });

  const server = await serve(site);
  const prefixServer = await serve(prefixed, "/archive/");
  const hostileServer = await serve(hostileSite);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
      "--disable-quic",
      "--disable-sync",
    ],
  });
  const { origin } = server;
  const pageTypes: [string, string][] = [
    ["home", "/"],
    ["article", "/articles/004_2e667484c972bbe6/"],
    ["undated article", "/articles/003_aa7f9b323ee0f65f/"],
    ["entity", "/entities/jens-stoltenberg/"],
    ["topic", "/topics/afghan-peace-process/"],
    ["people index", "/people/"],
    ["topics index", "/topics/"],
    ["archive", "/archive/"],
    ["year", "/archive/2021/"],
    ["about", "/about/"],
    ["search", "/search/"],
    ["not found", "/no/such/page/"],
  ];
  try {
    await check(
      "walk with JavaScript: home → entity → article → topic → search with a filter",
      async () => {
        const context = await newContext(browser);
        const page = await context.newPage();
        const incidents: string[] = [];
        guard(page, origin, incidents);
        await page.goto(`${origin}/`);
        await page.locator("#top-person + ol a").first().click();
        assert(
          (await page.locator("h1").textContent()) === "Jens Stoltenberg",
          "entity page heading",
        );
        await page.locator(".article-list a").first().click();
        assert(page.url().includes("/articles/"), `article URL, got ${page.url()}`);
        assert((await page.locator(".body a.mention").count()) > 5, "mentions are linked");
        await page.locator(".topic-list a").first().click();
        assert(page.url().includes("/topics/"), `topic URL, got ${page.url()}`);
        await page.goto(`${origin}/search/`);
        await page.locator(".pagefind-ui__search-input").fill("Stoltenberg");
        await page.locator(".pagefind-ui__result").first().waitFor({ timeout: 15_000 });
        const before = await page.locator(".pagefind-ui__result").count();
        const yearFilter = page.locator(".pagefind-ui__filter-name", { hasText: "year" });
        await yearFilter.first().click();
        await page.locator("label", { hasText: "2019" }).first().click();
        await page.waitForTimeout(800);
        const titles = await page.locator(".pagefind-ui__result-link").allTextContents();
        assert(
          titles.length > 0 && titles.length < before,
          `filter narrows results (${before} → ${titles.length})`,
        );
        assert(incidents.length === 0, incidents.join("; "));
        await context.close();
      },
    );

    await check("walk without JavaScript, and the search page says it needs it", async () => {
      const context = await newContext(browser, { javaScriptEnabled: false });
      const page = await context.newPage();
      await page.goto(`${origin}/`);
      await page.locator("nav[aria-label=Main] a", { hasText: "People" }).click();
      await page.locator("table a", { hasText: "Mike Pompeo" }).click();
      assert((await page.locator("h1").textContent()) === "Mike Pompeo", "entity page");
      await page.locator(".article-list a").first().click();
      assert(
        (await page.locator(".note.warning").count()) === 1,
        "the date warning shows without JavaScript",
      );
      await page.locator(".topic-list a").first().click();
      await page.goto(`${origin}/search/`);
      const notice = await page.locator("main").textContent();
      assert(notice?.includes("Search needs JavaScript"), "no-JavaScript notice");
      await page.locator("main a", { hasText: "people" }).click();
      assert(page.url().endsWith("/people/"), "notice links to the indexes");
      await context.close();
    });

    for (const scheme of ["light", "dark"] as const) {
      for (const [name, pagePath] of pageTypes) {
        await check(`axe WCAG 2.2 AA, ${scheme} scheme: ${name}`, async () => {
          const context = await newContext(browser, { colorScheme: scheme });
          const page = await context.newPage();
          await page.goto(`${origin}${pagePath}`);
          if (name === "search") await page.locator(".pagefind-ui__search-input").waitFor();
          const result = await axe(page);
          const summary = result.violations.map(
            (v) =>
              `${v.id} (${v.impact}): ${v.nodes
                .slice(0, 3)
                .map((n) => n.target.join(" "))
                .join(", ")}`,
          );
          assert(result.violations.length === 0, summary.join("\n"));
          assert(result.passes.length >= 10, `axe ran only ${result.passes.length} passing rules`);
          await context.close();
        });
      }
    }

    for (const [name, pagePath] of [
      ["home", "/"],
      ["article", "/articles/001_09f78702414022e0/"],
    ] as const) {
      await check(`keyboard only reaches every link with a visible focus: ${name}`, async () => {
        const context = await newContext(browser);
        const page = await context.newPage();
        await page.goto(`${origin}${pagePath}`);
        const links = await page.locator("a[href]").count();
        const reached = new Set<number>();
        const invisible: string[] = [];
        for (let i = 0; i < links + 5; i += 1) {
          await page.keyboard.press("Tab");
          const info = await page.evaluate(() => {
            const el = document.activeElement as HTMLElement | null;
            if (!el || el === document.body) return null;
            const all = Array.from(document.querySelectorAll("a[href]"));
            const style = getComputedStyle(el);
            const visible =
              (style.outlineStyle !== "none" && style.outlineWidth !== "0px") ||
              style.boxShadow !== "none";
            return {
              index: all.indexOf(el),
              visible,
              text: el.textContent?.trim().slice(0, 40) ?? "",
            };
          });
          if (!info) continue;
          if (info.index >= 0) reached.add(info.index);
          if (!info.visible) invisible.push(info.text);
        }
        assert(reached.size === links, `reached ${reached.size} of ${links} links`);
        assert(invisible.length === 0, `focus not visible on: ${invisible.slice(0, 5).join(", ")}`);
        await context.close();
      });
    }

    await check("screenshots at 375 px and 1280 px", async () => {
      for (const width of [375, 1280]) {
        const context = await browser.newContext({ viewport: { width, height: 900 } });
        const page = await context.newPage();
        for (const [name, pagePath] of pageTypes.slice(0, 5)) {
          await page.goto(`${origin}${pagePath}`);
          await page.screenshot({
            path: path.join(ARTIFACTS, `${name.replace(/\W+/g, "-")}-${width}.png`),
            fullPage: true,
          });
        }
        const overflow = await page.evaluate(
          () => document.documentElement.scrollWidth > window.innerWidth + 1,
        );
        assert(!overflow || width > 375, `page wider than a ${width} px screen`);
        await context.close();
      }
    });

    await check("a site built for /archive/ works when served under /archive/", async () => {
      const context = await newContext(browser);
      const page = await context.newPage();
      const missing: string[] = [];
      page.on("response", (response) => {
        if (response.status() >= 400) missing.push(`${response.status()} ${response.url()}`);
      });
      await page.goto(`${prefixServer.origin}/archive/`);
      await page.locator("nav[aria-label=Main] a", { hasText: "Places" }).click();
      await page.locator("table a").first().click();
      await page.locator(".article-list a").first().click();
      const stylesheet = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      assert(stylesheet !== "rgba(0, 0, 0, 0)", "stylesheet loaded under the prefix");
      await page.goto(`${prefixServer.origin}/archive/search/`);
      await page.locator(".pagefind-ui__search-input").fill("Kabul");
      await page.locator(".pagefind-ui__result").first().waitFor({ timeout: 15_000 });
      assert(missing.length === 0, missing.join("; "));
      await context.close();
    });

    await check("hostile article text runs nothing and loads nothing from elsewhere", async () => {
      const context = await newContext(browser);
      const page = await context.newPage();
      const incidents: string[] = [];
      guard(page, hostileServer.origin, incidents);
      const html = await readFile(path.join(hostileSite, "index.html"), "utf8");
      const articles = [...html.matchAll(/href="(\/articles\/[^"]+)"/g)].map((m) => m[1] ?? "");
      assert(articles.length > 0, "hostile fixture articles listed");
      for (const articlePath of [...new Set(articles)]) {
        await page.goto(`${hostileServer.origin}${articlePath}`);
        for (const link of await page.locator(".body a").all()) await link.hover();
      }
      await page.goto(`${hostileServer.origin}/entities/`.replace("/entities/", "/people/"));
      const flagged = await page.evaluate(
        () => (window as unknown as { pwned?: boolean }).pwned === true,
      );
      assert(!flagged, "a script from the content ran");
      assert(incidents.length === 0, incidents.join("; "));
      await context.close();
    });
  } finally {
    await browser.close();
    server.close();
    prefixServer.close();
    hostileServer.close();
    await rm(work, { recursive: true, force: true });
  }
  console.log(`\nscreenshots in ${path.relative(REPO, ARTIFACTS)}/`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed > 0 ? 1 : 0;
}

await main();
