import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { appendFile, cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { startDevServer } from "../../src/site/dev.ts";
import { serveStatic } from "./static-server.ts";

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
    `Chromium was not found at ${CHROMIUM}. Install Debian's package (as root):\n  apt-get update && apt-get install chromium\nor point CHROMIUM_PATH at a Chromium binary. The tests never download a browser.\n0 passed, 1 failed`,
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
      timeout: 300_000,
    },
  );
}

let passed = 0;
let failed = 0;
/** Contexts opened by the running check; closed whatever way the check ends. */
const openContexts = new Set<BrowserContext>();
const CHECK_TIMEOUT_MS = 120_000;

async function check(name: string, body: () => Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      body(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`timed out after ${CHECK_TIMEOUT_MS / 1000} s`)),
          CHECK_TIMEOUT_MS,
        );
      }),
    ]);
    passed += 1;
    console.log(`ok     ${name}`);
  } catch (error) {
    failed += 1;
    console.log(
      `FAILED ${name}\n       ${error instanceof Error ? error.message.split("\n").join("\n       ") : String(error)}`,
    );
  } finally {
    clearTimeout(timer);
    await Promise.all([...openContexts].map((c) => c.close().catch(() => undefined)));
    openContexts.clear();
  }
}

function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

async function newContext(
  browser: Browser,
  options: {
    javaScriptEnabled?: boolean;
    colorScheme?: "light" | "dark";
    viewport?: { width: number; height: number };
  } = {},
): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  context.setDefaultTimeout(15_000);
  context.setDefaultNavigationTimeout(30_000);
  openContexts.add(context);
  return context;
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

const HOSTILE_ROOT = path.join(REPO, "tests", "fixtures", "hostile");

async function htmlPagesOf(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith(".html") && e.name !== "404.html")
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join("/"))
    .map((f) => `/${f.replace(/(^|\/)index\.html$/, "$1")}`)
    .sort();
}

/** Fails a page that opens a dialog, asks anything of another origin or throws. */
function guard(page: Page, origin: string, incidents: string[]): void {
  page.on("dialog", async (dialog) => {
    incidents.push(`dialog opened: ${dialog.type()} ${dialog.message()}`);
    await dialog.dismiss();
  });
  page.on("request", (request) => {
    const url = request.url();
    if (!url.startsWith(`${origin}/`) && !url.startsWith("data:") && !url.startsWith("about:")) {
      incidents.push(`request to another origin: ${url}`);
    }
  });
  page.on("popup", (popup) => incidents.push(`popup opened: ${popup.url()}`));
  page.on("pageerror", (error) => incidents.push(`script error: ${error.message}`));
}

/** Tabs through the page; every link must take the focus and look different when it has it. */
async function keyboardReach(page: Page): Promise<void> {
  // No named functions inside evaluate(): tsx would wrap them in a __name helper the page lacks.
  const total = await page.evaluate(() => {
    const links = Array.from(document.querySelectorAll("a[href]"));
    (window as unknown as { unfocused: string[] }).unfocused = links.map((el) => {
      const s = getComputedStyle(el);
      return `${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor} | ${s.boxShadow}`;
    });
    return links.length;
  });
  const reached = new Set<number>();
  const invisible: string[] = [];
  for (let i = 0; i < total + 10 && reached.size < total; i += 1) {
    await page.keyboard.press("Tab");
    const info = await page.evaluate(() => {
      const el = document.activeElement;
      if (!el || el === document.body) return null;
      const links = Array.from(document.querySelectorAll("a[href]"));
      const index = links.indexOf(el);
      if (index < 0) return { index, visible: true, text: "" };
      const s = getComputedStyle(el);
      const outline = `${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor}`;
      const before = (window as unknown as { unfocused: string[] }).unfocused[index] ?? "";
      const [beforeOutline = "", beforeShadow = ""] = before.split(" | ");
      const outlineShows =
        s.outlineStyle !== "none" && s.outlineWidth !== "0px" && outline !== beforeOutline;
      const shadowShows = s.boxShadow !== "none" && s.boxShadow !== beforeShadow;
      return {
        index,
        visible: outlineShows || shadowShows,
        text: el.textContent?.trim().slice(0, 40) ?? "",
      };
    });
    if (!info) continue;
    if (info.index >= 0) reached.add(info.index);
    if (!info.visible) invisible.push(info.text);
  }
  assert(total > 0, "the page has links");
  assert(reached.size === total, `Tab reached ${reached.size} of ${total} links`);
  assert(invisible.length === 0, `focus not visible on: ${invisible.slice(0, 5).join(", ")}`);
}

async function main(): Promise<void> {
  const work = await mkdtemp(path.join(tmpdir(), "e2e-"));
  const site = path.join(work, "site");
  const prefixed = path.join(work, "prefixed");
  const hostileSite = path.join(work, "hostile");
  const closers: (() => Promise<void>)[] = [];
  let browser: Browser | undefined;
  try {
    console.log("building the sites under test…");
    // The site under a prefix also splits its search index into shards, merged by the search page.
    const shardedRoot = path.join(work, "sharded-project");
    await cp(path.join(REPO, "content"), path.join(shardedRoot, "content"), { recursive: true });
    await appendFile(path.join(shardedRoot, "content", "site.yaml"), "\nsearchShardPages: 12\n");
    try {
      await Promise.all([
        build(site, REPO),
        build(prefixed, shardedRoot, { PATH_PREFIX: "/archive/" }),
        build(hostileSite, HOSTILE_ROOT),
      ]);
    } catch (error) {
      failed += 1;
      const stderr = (error as { stderr?: string }).stderr ?? String(error);
      console.log(`FAILED build the sites\n       ${stderr.trim().split("\n").join("\n       ")}`);
      return;
    }
    await mkdir(ARTIFACTS, { recursive: true });
    const server = await serveStatic(site);
    const prefixServer = await serveStatic(prefixed, "/archive/");
    const hostileServer = await serveStatic(hostileSite);
    closers.push(server.close, prefixServer.close, hostileServer.close);
    browser = await chromium.launch({
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
    await runChecks(browser, { site, origin: server.origin }, prefixServer.origin, prefixed, {
      dir: hostileSite,
      origin: hostileServer.origin,
    });
    await devServerChecks(browser, work);
  } finally {
    await browser?.close().catch(() => undefined);
    await Promise.all(closers.map((close) => close()));
    await rm(work, { recursive: true, force: true });
    console.log(`\nscreenshots in ${path.relative(REPO, ARTIFACTS)}/`);
    console.log(`${passed} passed, ${failed} failed`);
    process.exitCode = failed > 0 ? 1 : 0;
  }
}

async function runChecks(
  browser: Browser,
  { origin }: { site: string; origin: string },
  prefixOrigin: string,
  prefixedDir: string,
  hostile: { dir: string; origin: string },
): Promise<void> {
  const pageTypes: [string, string][] = [
    ["home", "/"],
    ["article", "/articles/004_2e667484c972bbe6/"],
    ["undated article", "/articles/003_aa7f9b323ee0f65f/"],
    ["entity", "/entities/jens-stoltenberg/"],
    ["topic", "/topics/afghan-peace-process/"],
    ["people index", "/people/"],
    ["organizations index", "/organizations/"],
    ["places index", "/places/"],
    ["topics index", "/topics/"],
    ["archive", "/archive/"],
    ["year", "/archive/2021/"],
    ["about", "/about/"],
    ["search", "/search/"],
    ["not found", "/no/such/page/"],
  ];

  await check(
    "walk with JavaScript: home → entity → article → topic → search with a filter",
    async () => {
      const page = await (await newContext(browser)).newPage();
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
      await page.locator("nav[aria-label=Main] a", { hasText: "Search" }).click();
      await page.locator(".pagefind-ui__search-input").fill("Stoltenberg");
      await page.locator(".pagefind-ui__result").first().waitFor();
      const before = await page.locator(".pagefind-ui__result").count();
      await page.locator(".pagefind-ui__filter-name", { hasText: "year" }).first().click();
      await page.locator("label", { hasText: "2019" }).first().click();
      // Results are replaced when the filter applies: wait for the narrowed, non-empty list.
      await page.waitForFunction((n) => {
        const shown = document.querySelectorAll(".pagefind-ui__result").length;
        return shown > 0 && shown < n;
      }, before);
      const titles = await page.locator(".pagefind-ui__result-link").allTextContents();
      assert(
        titles.length > 0,
        `the 2019 filter keeps some results (${before} → ${titles.length})`,
      );
      assert(incidents.length === 0, incidents.join("; "));
    },
  );

  await check("walk without JavaScript, and the search page says it needs it", async () => {
    const page = await (await newContext(browser, { javaScriptEnabled: false })).newPage();
    await page.goto(`${origin}/`);
    await page.locator("nav[aria-label=Main] a", { hasText: "People" }).click();
    await page.locator("table a", { hasText: "Jens Stoltenberg" }).click();
    assert((await page.locator("h1").textContent()) === "Jens Stoltenberg", "entity page");
    await page.locator(".article-list a").first().click();
    assert(page.url().includes("/articles/"), `article URL, got ${page.url()}`);
    await page.locator(".topic-list a").first().click();
    assert(page.url().includes("/topics/"), `topic URL, got ${page.url()}`);
    await page.locator("nav[aria-label=Main] a", { hasText: "Search" }).click();
    const notice = await page.locator("main").textContent();
    assert(notice?.includes("Search needs JavaScript"), "no-JavaScript notice on the search page");
    await page.locator("main a", { hasText: "people" }).click();
    assert(page.url().endsWith("/people/"), "the notice links to the indexes");
  });

  for (const scheme of ["light", "dark"] as const) {
    for (const [name, pagePath] of pageTypes) {
      await check(`axe WCAG 2.2 AA, ${scheme} scheme: ${name}`, async () => {
        const page = await (await newContext(browser, { colorScheme: scheme })).newPage();
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
      });
    }
  }

  for (const [name, pagePath] of pageTypes.filter(([n]) =>
    ["home", "article", "entity", "topic", "places index", "search"].includes(n),
  )) {
    await check(`keyboard only reaches every link with a visible focus: ${name}`, async () => {
      const page = await (await newContext(browser)).newPage();
      await page.goto(`${origin}${pagePath}`);
      if (name === "search") await page.locator(".pagefind-ui__search-input").waitFor();
      await keyboardReach(page);
    });
  }

  await check("no page scrolls sideways on a 375 px phone (WCAG 1.4.10 reflow)", async () => {
    const page = await (
      await newContext(browser, { viewport: { width: 375, height: 900 } })
    ).newPage();
    const wide: string[] = [];
    for (const [name, pagePath] of pageTypes) {
      await page.goto(`${origin}${pagePath}`);
      if (name === "search") await page.locator(".pagefind-ui__search-input").waitFor();
      const found = await page.evaluate(() => {
        const width = window.innerWidth;
        if (document.documentElement.scrollWidth <= width + 1) return null;
        const culprit = Array.from(document.querySelectorAll("body *")).find(
          (element) => element.getBoundingClientRect().right > width + 1,
        );
        return `${document.documentElement.scrollWidth} px wide, first overflowing element <${culprit?.tagName.toLowerCase()} class="${culprit?.className}">`;
      });
      if (found) wide.push(`${name} ${pagePath}: ${found}`);
    }
    assert(wide.length === 0, wide.join("\n"));
  });

  await check("screenshots of every page type at 375 px and 1280 px", async () => {
    for (const width of [375, 1280]) {
      const page = await (
        await newContext(browser, { viewport: { width, height: 900 } })
      ).newPage();
      for (const [name, pagePath] of pageTypes) {
        await page.goto(`${origin}${pagePath}`);
        if (name === "search") await page.locator(".pagefind-ui__search-input").waitFor();
        await page.screenshot({
          path: path.join(ARTIFACTS, `${name.replace(/\W+/g, "-")}-${width}.png`),
          fullPage: true,
        });
      }
    }
  });

  await check(
    "a site built for /archive/ and served under /archive/ has no broken link",
    async () => {
      const context = await newContext(browser);
      const page = await context.newPage();
      const broken: string[] = [];
      const strays: string[] = [];
      page.on("response", (response) => {
        if (response.status() >= 400) broken.push(`${response.status()} ${response.url()}`);
      });
      page.on("request", (request) => {
        const url = new URL(request.url());
        if (url.origin === prefixOrigin && !url.pathname.startsWith("/archive/"))
          strays.push(request.url());
      });
      const seen = new Set<string>([`${prefixOrigin}/archive/`]);
      const queue = [`${prefixOrigin}/archive/`];
      let pages = 0;
      const others = new Set<string>();
      while (queue.length > 0) {
        const url = queue.shift() as string;
        const response = await page.goto(url);
        pages += 1;
        if (response?.status() !== 200) {
          broken.push(`${response?.status()} ${url}`);
          continue;
        }
        const links = await page.evaluate(() =>
          Array.from(
            document.querySelectorAll<HTMLAnchorElement | HTMLLinkElement>("a[href], link[href]"),
            (a) => a.href,
          ),
        );
        for (const link of links) {
          const target = new URL(link);
          if (target.origin !== prefixOrigin) continue;
          const clean = `${target.origin}${target.pathname}`;
          if (seen.has(clean)) continue;
          seen.add(clean);
          if (clean.endsWith("/") || clean.endsWith(".html")) queue.push(clean);
          else others.add(clean);
        }
      }
      for (const url of others) {
        const response = await context.request.get(url);
        if (response.status() !== 200) broken.push(`${response.status()} ${url}`);
      }
      assert(pages > 50, `walked only ${pages} pages`);
      assert(broken.length === 0, `broken: ${broken.slice(0, 10).join("; ")}`);
      assert(strays.length === 0, `requests outside /archive/: ${strays.slice(0, 5).join("; ")}`);
      const sheet = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      assert(sheet !== "rgba(0, 0, 0, 0)", "stylesheet applied under the prefix");
      const shardFolders = (await readdir(path.join(prefixedDir, "pagefind-shards"))).length;
      assert(shardFolders >= 4, `the search index comes in shards (${shardFolders + 1})`);
      const searchFor = async (url: string) => {
        await page.goto(url);
        await page.locator(".pagefind-ui__search-input").fill("Kabul");
        await page.locator(".pagefind-ui__result").first().waitFor();
        await page.waitForFunction(() =>
          /\d+ results? for/.test(
            document.querySelector(".pagefind-ui__message")?.textContent ?? "",
          ),
        );
        return (await page.locator(".pagefind-ui__message").textContent())?.trim();
      };
      const wasmFetched = new Set<string>();
      page.on("request", (request) => {
        const { pathname } = new URL(request.url());
        if (/\/wasm\.[\w-]+\.pagefind$/.test(pathname)) wasmFetched.add(pathname);
      });
      const sharded = await searchFor(`${prefixOrigin}/archive/search/`);
      assert(
        [...wasmFetched].join() === "/archive/pagefind/wasm.en.pagefind",
        `merged shards fetch Pagefind's WebAssembly once, from the first bundle: ${[...wasmFetched].join(", ")}`,
      );
      const first = await page.locator(".pagefind-ui__result-link").first().getAttribute("href");
      assert(first?.startsWith("/archive/"), `search result links under the prefix, got ${first}`);
      const whole = await searchFor(`${origin}/search/`);
      assert(
        sharded === whole,
        `merged shards find what one index finds: "${sharded}" vs "${whole}"`,
      );
    },
  );

  await check(
    "hostile content runs nothing, opens no dialog and loads nothing from elsewhere",
    async () => {
      const page = await (await newContext(browser)).newPage();
      const incidents: string[] = [];
      guard(page, hostile.origin, incidents);
      const pages = await htmlPagesOf(hostile.dir);
      assert(pages.includes("/articles/script-body/"), "the hostile article was built");
      for (const pagePath of pages) {
        await page.goto(`${hostile.origin}${pagePath}`);
        for (const link of await page.locator("main a").all()) await link.hover();
        await page.keyboard.press("Tab");
        const pwned = await page.evaluate(() => "pwned" in window);
        if (pwned) incidents.push(`content script ran on ${pagePath}`);
      }
      await page.goto(`${hostile.origin}/search/`);
      for (const query of ["<img src=x onerror=alert(1)>", "Evil <Corp>", "pwned"]) {
        await page.locator(".pagefind-ui__search-input").fill(query);
        await page.waitForTimeout(0);
        await page
          .locator(".pagefind-ui__message")
          .first()
          .waitFor()
          .catch(() => undefined);
      }
      await page.locator(".pagefind-ui__search-input").fill("pwned");
      await page.locator(".pagefind-ui__result").first().waitFor();
      for (const link of await page.locator(".pagefind-ui__result a").all()) await link.hover();
      if (await page.evaluate(() => "pwned" in window))
        incidents.push("content script ran on search");
      assert(incidents.length === 0, incidents.join("\n"));
    },
  );
}

/** `npm start` in the browser: pages reload after a build, and a failed build shows its error as text. */
async function devServerChecks(browser: Browser, work: string): Promise<void> {
  const root = path.join(work, "dev-project");
  await cp(path.join(REPO, "content"), path.join(root, "content"), { recursive: true });
  const server = await startDevServer({
    root,
    outDir: path.join(work, "dev-dist"),
    port: 0,
    log: () => {},
  });
  try {
    await check(
      "npm start: a failed build shows its error as text, a fixed one reloads the page; an edit reloads its page first, then the others",
      async () => {
        assert(server.first.ok, `the first build failed: ${server.first.error}`);
        const origin = new URL(server.url).origin;
        const page = await (await newContext(browser)).newPage();
        const incidents: string[] = [];
        guard(page, origin, incidents);
        const articlePath = "/articles/004_2e667484c972bbe6/";
        await page.goto(`${origin}${articlePath}`);
        // The page listens before the content changes.
        await page.locator("html[data-live-reload=listening]").waitFor({ state: "attached" });
        // The build says it is under way before it says anything else; a fast one may take the
        // line away again before a look could catch it, so the page keeps what it saw.
        await page.evaluate(() => {
          new MutationObserver(() => {
            const status = document.getElementById("news-archive-build-status");
            if (status?.getAttribute("role") === "status" && status.textContent)
              document.documentElement.dataset.sawBuildStatus = status.textContent;
          }).observe(document.body, { childList: true, subtree: true, characterData: true });
        });
        // The error names the file, and a file name can carry markup.
        const hostile = "<img src=x onerror=window.pwned=1>";
        const broken = path.join(root, "content", "articles", `${hostile}.md`);
        await writeFile(broken, "---\ntitle: An article without id or date\n---\nText.\n");
        const banner = page.locator("#news-archive-build-error");
        await banner.waitFor({ timeout: 60_000 });
        const text = (await banner.textContent()) ?? "";
        assert(
          text.includes(`content/articles/${hostile}.md`) && text.includes("id: is required"),
          `the error names the file and the field, as text: ${text}`,
        );
        assert((await banner.locator("img").count()) === 0, "the quoted markup became an element");
        assert(!(await page.evaluate(() => "pwned" in window)), "the quoted markup ran");
        const saw = await page.evaluate(() => document.documentElement.dataset.sawBuildStatus);
        assert(saw === "Rebuilding the site…", `the page said a build was under way: ${saw}`);

        await rm(broken);
        await page.waitForEvent("load", { timeout: 60_000 });
        assert((await banner.count()) === 0, "the error is gone after the fix");

        // Another page open meanwhile, which lists the article: it reloads too (after the edited
        // article's own page), and each of the two reloads once.
        const home = await page.context().newPage();
        guard(home, origin, incidents);
        await home.goto(`${origin}/`);
        await home.locator("html[data-live-reload=listening]").waitFor({ state: "attached" });
        const loads: string[] = [];
        page.on("load", () => loads.push("article"));
        home.on("load", () => loads.push("home"));
        const built = server.nextBuild();
        const file = path.join(root, "content", "articles", "004_2e667484c972bbe6.md");
        const source = await readFile(file, "utf8");
        await writeFile(
          file,
          source.replace(/^title: .*$/m, 'title: "Retitled while the page was open"'),
        );
        assert((await built).ok, "the build of the edit failed");
        // A reload sent at the build's end would have arrived by now.
        await new Promise((resolve) => setTimeout(resolve, 1000));
        // Which comes first is the dev server's test's to check (the events' order): a browser
        // may finish loading them in either order.
        assert(
          [...loads].sort().join(",") === "article,home",
          `the article's page and the home page reload once each: ${loads.join(",")}`,
        );
        const heading = (await page.locator("h1").textContent())?.trim();
        assert(heading === "Retitled while the page was open", `the page reloaded: ${heading}`);
        assert(
          (await home.content()).includes("Retitled while the page was open"),
          "the home page shows the new title",
        );
        assert(incidents.length === 0, incidents.join("\n"));
      },
    );
  } finally {
    await server.close();
  }
}

await main();
