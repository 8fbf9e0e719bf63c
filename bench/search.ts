import { once } from "node:events";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";
import { createStaticServer } from "../src/site/serve.ts";
import { formatSearchWeight, searchWeight } from "./search-weight.ts";

/**
 * `npm run bench:search -- <site folder> [--prefix /archive/] [query…]`: what a reader's first
 * search downloads from a built site, per query, each in a fresh browser (Debian's Chromium, or
 * CHROMIUM_PATH). Bytes are the response bodies as served; Pagefind's own files are compressed
 * already. To compare search shard sizes, build the same project twice with different
 * `searchShardPages` in its content/site.yaml (see README, "Scaling").
 */

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { prefix: { type: "string", default: "/" } },
});
const [siteArg, ...queryArgs] = positionals;
if (!siteArg) {
  console.error("usage: npm run bench:search -- <site folder> [--prefix /archive/] [query…]");
  process.exit(2);
}
const queries =
  queryArgs.length > 0 ? queryArgs : ["Kabul", "ceasefire negotiations", "Stoltenberg"];
const prefix = values.prefix;

const server = createStaticServer(path.resolve(siteArg), prefix);
server.listen(0, "127.0.0.1");
await once(server, "listening");
const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
});
try {
  for (const query of queries) {
    const context = await browser.newContext();
    const page = await context.newPage();
    const sizes: Promise<{ pathname: string; bytes: number }>[] = [];
    page.on("requestfinished", (request) => {
      sizes.push(
        request
          .sizes()
          .then((s) => ({ pathname: new URL(request.url()).pathname, bytes: s.responseBodySize })),
      );
    });
    await page.goto(`${origin}${prefix}search/`);
    await page.locator(".pagefind-ui__search-input").fill(query);
    const message = page.locator(".pagefind-ui__message");
    await page.waitForFunction(() =>
      /results? for/.test(document.querySelector(".pagefind-ui__message")?.textContent ?? ""),
    );
    // The results' fragments and the filter counts arrive after the message.
    await page.waitForLoadState("networkidle");
    const results = Number.parseInt(((await message.textContent()) ?? "").replace(/,/g, ""), 10);
    console.log(formatSearchWeight(query, results, searchWeight(await Promise.all(sizes))));
    await context.close();
  }
} finally {
  await browser.close();
  server.close();
}
