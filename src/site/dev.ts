import { type ChildProcess, spawn } from "node:child_process";
import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";
import { stripVTControlCharacters } from "node:util";
import { watch } from "chokidar";
import { ContentError } from "../records/index.ts";
import { buildSite, formatBuildSummary, PACKAGE_ROOT, prepareNextBuild } from "./build.ts";
import { loadSiteConfig } from "./config.ts";
import { createStaticServer, listen, untilStopped } from "./serve.ts";
import { href } from "./views.ts";

/**
 * `npm start`: the site as `npm run build` makes it (search, feeds and exports included), served
 * with live reload. Every change runs the real incremental build in a builder process kept between
 * builds (replaced when templates or code change, so they are loaded afresh); a failed build
 * leaves the previous site served and shows its error on the open pages.
 */

export interface DevServerOptions {
  /** Folder holding content/. */
  root: string;
  outDir: string;
  /** 0 picks a free port. */
  port: number;
  host?: string;
  /** Where the builds' own output goes (default: this process's stdout and stderr). */
  log?: (text: string) => void;
  /** Quiet time after the last change before a rebuild starts, so a save of many files is one build. */
  settleMs?: number;
  /** Builds one builder process makes before a fresh one takes over (default BUILDS_PER_BUILDER). */
  buildsPerBuilder?: number;
}

/**
 * A builder's memory grows by most of a megabyte a build (Eleventy imports the templates afresh
 * for each run, under a new URL, and Node never unloads a module), so after this many builds a
 * fresh builder takes over: one slower build in so many, against a dev server that grows
 * without end.
 */
export const BUILDS_PER_BUILDER = 50;

export interface DevBuild {
  ok: boolean;
  /** For a failed build, its error as the CLI prints it: the file, line and field at fault. */
  error: string;
}

export interface DevServer {
  url: string;
  /** The first build's outcome, which `startDevServer` waited for. */
  first: DevBuild;
  /** Settles with the next build to finish. */
  nextBuild(): Promise<DevBuild>;
  close(): Promise<void>;
}

/** Outside any path prefix, so it never collides with a page of the site. */
const CHANNEL = "/__news-archive/";
const EVENTS = `${CHANNEL}events`;
const CLIENT = `${CHANNEL}live-reload.js`;
const CLIENT_TAG = `<script type="module" src="${CLIENT}"></script>`;

// The error is set as text, never as HTML: it quotes article content.
const CLIENT_SCRIPT = `const events = new EventSource(${JSON.stringify(EVENTS)});
// Marks the page once it listens, for tools (and the browser tests) that wait for it.
events.addEventListener("open", () => {
  document.documentElement.dataset.liveReload = "listening";
});
// A page reloads once its own page is written: {only: [...]} names the pages written first (the
// ones being edited), {except: [...]} the pages already reloaded; {} is every page.
events.addEventListener("reload", (event) => {
  const scope = JSON.parse(event.data) ?? {};
  const here = location.pathname;
  if (scope.only && !scope.only.includes(here)) return;
  if (scope.except && scope.except.includes(here)) return;
  location.reload();
});
// A notice over the page, made once and then only given new text.
const notice = (id, tag, role, css) => {
  let element = document.getElementById(id);
  if (!element) {
    element = document.createElement(tag);
    element.id = id;
    element.setAttribute("role", role);
    element.style.cssText = css + ";position:fixed;color:#fff;z-index:2147483647";
    document.body.append(element);
  }
  return element;
};
// A large archive takes seconds to rebuild: the page says one is under way.
events.addEventListener("building", () => {
  notice(
    "news-archive-build-status",
    "div",
    "status",
    "right:1em;top:1em;padding:.4em .8em;border-radius:4px;background:#1a1a1a;" +
      "font:14px/1.4 system-ui,sans-serif",
  ).textContent = "Rebuilding the site…";
});
events.addEventListener("failed", (event) => {
  document.getElementById("news-archive-build-status")?.remove();
  notice(
    "news-archive-build-error",
    "pre",
    "alert",
    "left:0;right:0;bottom:0;max-height:50vh;overflow:auto;margin:0;padding:1em;" +
      "background:#6b0000;font:14px/1.4 monospace;white-space:pre-wrap",
  ).textContent =
    "The last build failed; this page is from the build before it.\\n\\n" + JSON.parse(event.data);
});
`;

export function addReloadScript(html: string): string {
  const end = html.lastIndexOf("</body>");
  return end === -1 ? html + CLIENT_TAG : html.slice(0, end) + CLIENT_TAG + html.slice(end);
}

/** Editors' swap and backup files, version control and caches: none of them is content. */
function ignoredPath(file: string): boolean {
  const name = path.basename(file);
  return name.startsWith(".") || name.endsWith("~") || name === "node_modules";
}

const ERROR_LIMIT = 64 * 1024;

export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const root = path.resolve(options.root);
  const outDir = path.resolve(options.outDir);
  const settleMs = options.settleMs ?? 150;
  const log = options.log ?? ((text: string) => process.stderr.write(text));
  const clients = new Set<ServerResponse>();
  let lastFailure: string | null = null;
  let closed = false;
  const waiting: ((build: DevBuild) => void)[] = [];

  const send = (response: ServerResponse, event: string, data: unknown) =>
    response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  const broadcast = (event: string, data: unknown) => {
    for (const client of clients) send(client, event, data);
  };

  // A build's pages are served from its staging folder as soon as they are written, and open
  // pages reload then: its data exports and search index (seconds for a large archive) are
  // written meanwhile, and the site published from the same files. The pages of edited
  // articles come first, and reload at once; every other page once all are written.
  let stagedPages: string | null = null;
  let reloaded: "none" | "edited" | "all" = "none";
  let reloadedFirst: string[] = [];
  const reloadTheRest = () =>
    broadcast("reload", reloaded === "edited" ? { except: reloadedFirst } : {});
  const pagesWritten = (staging: string, only: string[] | undefined) => {
    stagedPages = staging;
    // Past the content checks: an earlier build's error is not what reloading pages should show.
    lastFailure = null;
    if (only) {
      // As the browser's location has them.
      reloadedFirst = only.map((sitePath) => href(config, sitePath));
      reloaded = "edited";
      broadcast("reload", { only: reloadedFirst });
    } else {
      reloadTheRest();
      reloaded = "all";
    }
  };

  let builder: ChildProcess | null = null;
  let codeChanged = false;
  let buildsByBuilder = 0;
  const buildsPerBuilder = options.buildsPerBuilder ?? BUILDS_PER_BUILDER;
  const startBuilder = (): ChildProcess => {
    const started = spawn(
      process.execPath,
      [
        "--max-semi-space-size=32",
        path.join(PACKAGE_ROOT, "bin", "news-archive.js"),
        "builder",
        "--root",
        root,
        "--out",
        outDir,
      ],
      { cwd: root, stdio: ["ignore", "pipe", "pipe", "ipc"] },
    );
    started.stdout?.on("data", (chunk: Buffer) => log(chunk.toString()));
    started.stderr?.on("data", (chunk: Buffer) => log(chunk.toString()));
    return started;
  };

  const runBuild = () =>
    new Promise<DevBuild | null>((resolve) => {
      // The builder holds the code it started with: after an edit to it, a fresh one.
      const retire = codeChanged || buildsByBuilder >= buildsPerBuilder;
      if (retire) builder?.kill("SIGTERM");
      if (retire || !builder) {
        builder = startBuilder();
        buildsByBuilder = 0;
      }
      codeChanged = false;
      buildsByBuilder += 1;
      reloaded = "none";
      reloadedFirst = [];
      const current = builder;
      let stderr = "";
      const collect = (chunk: Buffer) => {
        if (stderr.length < ERROR_LIMIT) stderr += chunk.toString();
      };
      const done = (build: DevBuild | null) => {
        // Published or abandoned, the staging folder is gone.
        stagedPages = null;
        current.off("message", onReply);
        current.off("exit", onExit);
        current.stderr?.off("data", collect);
        resolve(build);
      };
      const onReply = (reply: unknown) => {
        if (isPagesWritten(reply)) pagesWritten(reply.pages, reply.only);
        else if (isBuilderReply(reply)) done(reply);
      };
      const onExit = (code: number | null) => {
        if (builder === current) builder = null;
        // Stopped by close(): not a build that failed.
        if (closed) return done(null);
        const said = stripVTControlCharacters(stderr).trim();
        done({ ok: false, error: said || `the builder stopped (exit code ${code ?? "none"})` });
      };
      current.on("message", onReply);
      current.once("exit", onExit);
      current.stderr?.on("data", collect);
      current.send("build");
    });

  const finished = (build: DevBuild) => {
    if (build.ok) {
      lastFailure = null;
      if (reloaded !== "all") reloadTheRest();
    } else {
      lastFailure = build.error || "the build failed";
      // Pages showing this build's staged pages go back to the site as it is, and learn why as
      // they reconnect.
      if (reloaded !== "none") broadcast("reload", {});
      else broadcast("failed", lastFailure);
    }
    for (const resolve of waiting.splice(0)) resolve(build);
  };

  let building: Promise<void> | null = null;
  let changedWhileBuilding = false;
  let timer: NodeJS.Timeout | undefined;
  const rebuild = () => {
    timer = undefined;
    if (closed) return;
    if (building) {
      changedWhileBuilding = true;
      return;
    }
    broadcast("building", "");
    building = runBuild().then((build) => {
      building = null;
      if (build) finished(build);
      if (changedWhileBuilding && !closed) {
        changedWhileBuilding = false;
        rebuild();
      }
    });
  };

  // Listening comes first, so a port in use is reported before any build.
  const config = await loadSiteConfig(root);
  const intercept = (request: IncomingMessage, response: ServerResponse): boolean => {
    const url = new URL(request.url ?? "/", "http://localhost");
    if (url.pathname === CLIENT) {
      response
        .writeHead(200, {
          "content-type": "text/javascript; charset=utf-8",
          "cache-control": "no-store",
        })
        .end(CLIENT_SCRIPT);
      return true;
    }
    if (url.pathname !== EVENTS) return false;
    response.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-store",
      connection: "keep-alive",
    });
    response.write("retry: 1000\n\n");
    // A page opened while the site is broken shows why at once, and one opened during a build
    // that one is under way.
    if (lastFailure !== null) send(response, "failed", lastFailure);
    if (building) send(response, "building", "");
    clients.add(response);
    request.on("close", () => clients.delete(response));
    return true;
  };
  const server = createStaticServer(outDir, config.pathPrefix, {
    intercept,
    transformHtml: addReloadScript,
    overlay: () => stagedPages,
  });
  const port = await listen(server, options.port, options.host ?? "127.0.0.1");

  const first = await runBuild();
  if (!first) throw new Error("the first build was stopped");
  lastFailure = first.ok ? null : first.error || "the build failed";

  const code = [
    path.join(PACKAGE_ROOT, "templates"),
    path.join(PACKAGE_ROOT, "src"),
    path.join(PACKAGE_ROOT, ".eleventy.ts"),
  ];
  const watcher = watch([path.join(root, "content"), ...code], {
    ignoreInitial: true,
    ignored: ignoredPath,
  });
  watcher.on("all", (_event, file) => {
    if (code.some((dir) => file === dir || file.startsWith(dir + path.sep))) codeChanged = true;
    clearTimeout(timer);
    timer = setTimeout(rebuild, settleMs);
  });
  await new Promise<void>((resolve) => watcher.once("ready", resolve));

  return {
    url: `http://${options.host ?? "127.0.0.1"}:${port}${config.pathPrefix}`,
    first,
    nextBuild: () => new Promise((resolve) => waiting.push(resolve)),
    close: async () => {
      closed = true;
      clearTimeout(timer);
      await watcher.close();
      (builder as ChildProcess | null)?.kill("SIGTERM");
      await building;
      for (const client of clients) client.end();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * What the builder says once a build's pages are written, before its exports and search index;
 * with `only`, once the pages of its edited articles are (their site paths), ahead of the rest.
 */
interface PagesWritten {
  pages: string;
  only?: string[];
}

function isPagesWritten(value: unknown): value is PagesWritten {
  if (typeof value !== "object" || value === null) return false;
  const { pages, only } = value as PagesWritten;
  return (
    typeof pages === "string" &&
    (only === undefined || (Array.isArray(only) && only.every((p) => typeof p === "string")))
  );
}

/** What the builder answers a build with: the outcome itself. */
function isBuilderReply(value: unknown): value is DevBuild {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as DevBuild).ok === "boolean" &&
    typeof (value as DevBuild).error === "string"
  );
}

/**
 * The builder `serve` keeps running: builds the site each time it is asked over the IPC channel,
 * in one process, so a rebuild does not start Node, load the code and read the article cache
 * from disk again (the cache stays in memory between builds).
 */
export async function runBuilder(options: { root: string; outDir: string }): Promise<number> {
  const send = process.send?.bind(process);
  if (!send) {
    console.error("news-archive builder: started by news-archive serve, not by hand");
    return 2;
  }
  // The server went away (stopped, or killed): nothing is left to build for.
  process.on("disconnect", () => process.exit(0));
  let queue = Promise.resolve();
  // After its first build, a builder builds only when the server's watcher saw a change.
  let built = false;
  process.on("message", (message) => {
    if (message !== "build") return;
    queue = queue.then(async () => {
      let reply: DevBuild;
      const changed = built;
      built = true;
      let unchanged = false;
      try {
        const summary = await buildSite({
          ...options,
          quiet: false,
          remember: true,
          changed,
          onPagesWritten: (staging) => send({ pages: staging } satisfies PagesWritten),
          onEditedPagesWritten: (staging, only) =>
            send({ pages: staging, only } satisfies PagesWritten),
        });
        console.log(formatBuildSummary(summary));
        unchanged = summary.unchanged === true;
        reply = { ok: true, error: "" };
      } catch (error) {
        const message =
          error instanceof ContentError
            ? `news-archive build: ${error.message}`
            : error instanceof Error
              ? (error.stack ?? error.message)
              : String(error);
        console.error(message);
        reply = { ok: false, error: message };
      }
      send(reply);
      // In the queue: a change saved meanwhile is built once this is done.
      if (unchanged) await prepareNextBuild(options);
    });
  });
  return new Promise(() => {});
}

/** The command: serves until Ctrl+C or SIGTERM. */
export async function serve(options: {
  root: string;
  outDir: string;
  port: number;
}): Promise<number> {
  const server = await startDevServer(options);
  console.log(
    server.first.ok
      ? `Serving at ${server.url} with live reload (Ctrl+C to stop)`
      : `Serving the previous site at ${server.url}: fix the error above and save, the pages reload (Ctrl+C to stop)`,
  );
  await untilStopped();
  await server.close();
  return 0;
}
