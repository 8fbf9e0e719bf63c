import { spawn } from "node:child_process";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import path from "node:path";
import { PACKAGE_ROOT } from "./build.ts";
import { loadSiteConfig } from "./config.ts";

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".xml": "application/xml; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
  ".csv": "text/csv; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".wasm": "application/wasm",
  ".pf_meta": "application/octet-stream",
  ".pf_index": "application/octet-stream",
  ".pf_fragment": "application/octet-stream",
  ".pagefind": "application/octet-stream",
};

/**
 * Serves a built site the way a static host does: folders answer with their index.html, unknown
 * paths with 404.html and status 404, and nothing outside the site folder is ever read.
 */
export function createStaticServer(siteDir: string, pathPrefix = "/"): Server {
  const rootDir = path.resolve(siteDir);
  const resolveFile = async (urlPath: string): Promise<string | null> => {
    let decoded: string;
    try {
      decoded = decodeURIComponent(urlPath);
    } catch {
      return null;
    }
    if (decoded.includes("\0")) return null;
    const candidate = path.resolve(rootDir, `.${path.posix.normalize(`/${decoded}`)}`);
    if (candidate !== rootDir && !candidate.startsWith(rootDir + path.sep)) return null;
    const info = await stat(candidate).catch(() => null);
    if (info?.isFile()) return candidate;
    if (info?.isDirectory()) {
      const index = path.join(candidate, "index.html");
      if ((await stat(index).catch(() => null))?.isFile()) return index;
    }
    return null;
  };
  return createServer(async (request, response) => {
    const url = new URL(request.url ?? "/", "http://localhost");
    if (request.method !== "GET" && request.method !== "HEAD") {
      response.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    let file: string | null = null;
    if (url.pathname.startsWith(pathPrefix)) {
      const inside = url.pathname.slice(pathPrefix.length);
      if (inside === "" || inside.endsWith("/") || path.extname(inside) !== "")
        file = await resolveFile(inside);
      else if (await resolveFile(`${inside}/`)) {
        response.writeHead(301, { location: `${url.pathname}/` }).end();
        return;
      }
    }
    const status = file ? 200 : 404;
    file ??= await resolveFile("404.html");
    if (!file) {
      response.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("Not found");
      return;
    }
    response.writeHead(status, {
      "content-type": CONTENT_TYPES[path.extname(file)] ?? "application/octet-stream",
      "x-content-type-options": "nosniff",
    });
    if (request.method === "HEAD") response.end();
    else createReadStream(file).pipe(response);
  });
}

/** `npm run preview`: the built dist/ on 127.0.0.1, under the configured path prefix. */
export async function preview(options: { root: string; port: number }): Promise<number> {
  const config = await loadSiteConfig(options.root);
  const server = createStaticServer(path.join(options.root, "dist"), config.pathPrefix);
  await new Promise<void>((resolve) => server.listen(options.port, "127.0.0.1", resolve));
  console.log(
    `Previewing dist/ at http://127.0.0.1:${options.port}${config.pathPrefix} (Ctrl+C to stop)`,
  );
  await new Promise<void>((resolve) => process.once("SIGINT", resolve));
  server.close();
  return 0;
}

/**
 * `npm start`: Eleventy's dev server with live reload, rebuilding when content or templates change.
 * It serves under the configured path prefix, so links behave as they will on the real host.
 */
export async function serve(options: { root: string; port: number }): Promise<number> {
  const config = await loadSiteConfig(options.root);
  const child = spawn(
    process.execPath,
    [
      path.join(PACKAGE_ROOT, "node_modules", "tsx", "dist", "cli.mjs"),
      path.join(PACKAGE_ROOT, "node_modules", "@11ty", "eleventy", "cmd.cjs"),
      `--config=${path.join(PACKAGE_ROOT, ".eleventy.ts")}`,
      `--input=${path.join(PACKAGE_ROOT, "templates")}`,
      `--output=${path.join(options.root, "dist")}`,
      `--pathprefix=${config.pathPrefix}`,
      "--serve",
      `--port=${options.port}`,
    ],
    { cwd: options.root, stdio: "inherit" },
  );
  // A process manager stops us with SIGTERM, which (unlike Ctrl+C) reaches only this process:
  // pass it on so the dev server does not outlive the command.
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on("SIGINT", forward);
  process.on("SIGTERM", forward);
  return new Promise((resolve) =>
    child.on("exit", (code) => {
      process.off("SIGINT", forward);
      process.off("SIGTERM", forward);
      resolve(code ?? 0);
    }),
  );
}
