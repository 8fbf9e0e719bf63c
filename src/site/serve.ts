import { type FileHandle, open, stat } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import path from "node:path";
import { pipeline } from "node:stream/promises";
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

interface Opened {
  file: string;
  handle: FileHandle;
}

export interface StaticServerExtras {
  /** Answers a request itself (the development server's reload channel); true when it did. */
  intercept?: (request: IncomingMessage, response: ServerResponse) => boolean;
  /** Rewrites each HTML page as it is sent (the development server adds its reload script). */
  transformHtml?: (html: string) => string;
  /**
   * A folder whose files are served before the site's, when there is one: the development
   * server's build in progress, whose pages are written before its exports and search index.
   */
  overlay?: () => string | null;
}

/**
 * Serves a built site the way a static host does: folders answer with their index.html, unknown
 * paths with 404.html and status 404, and nothing outside the site folder is ever read.
 */
export function createStaticServer(
  siteDir: string,
  pathPrefix = "/",
  extras: StaticServerExtras = {},
): Server {
  const rootDir = path.resolve(siteDir);
  const resolveIn = async (folder: string, decoded: string): Promise<string | null> => {
    const candidate = path.resolve(folder, `.${path.posix.normalize(`/${decoded}`)}`);
    if (candidate !== folder && !candidate.startsWith(folder + path.sep)) return null;
    const info = await stat(candidate).catch(() => null);
    if (info?.isFile()) return candidate;
    if (info?.isDirectory()) {
      const index = path.join(candidate, "index.html");
      if ((await stat(index).catch(() => null))?.isFile()) return index;
    }
    return null;
  };
  const resolveFile = async (urlPath: string): Promise<string | null> => {
    let decoded: string;
    try {
      decoded = decodeURIComponent(urlPath);
    } catch {
      return null;
    }
    if (decoded.includes("\0")) return null;
    const overlay = extras.overlay?.();
    return (
      (overlay ? await resolveIn(path.resolve(overlay), decoded) : null) ??
      (await resolveIn(rootDir, decoded))
    );
  };
  /**
   * Found and opened: once open, the file can be read whatever a build does to its path. A file
   * of a build in progress can move into the site between being found and being opened; it is
   * then looked for again.
   */
  const openFile = async (urlPath: string): Promise<Opened | null> => {
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const file = await resolveFile(urlPath);
      if (!file) return null;
      const handle = await open(file).catch(() => null);
      if (handle) return { file, handle };
    }
    return null;
  };
  return createServer(async (request, response) => {
    if (extras.intercept?.(request, response)) return;
    const url = new URL(request.url ?? "/", "http://localhost");
    if (request.method !== "GET" && request.method !== "HEAD") {
      response.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    let found: Opened | null = null;
    if (url.pathname.startsWith(pathPrefix)) {
      const inside = url.pathname.slice(pathPrefix.length);
      if (inside === "" || inside.endsWith("/") || path.extname(inside) !== "")
        found = await openFile(inside);
      else if (await resolveFile(`${inside}/`)) {
        response.writeHead(301, { location: `${url.pathname}/` }).end();
        return;
      }
    }
    const status = found ? 200 : 404;
    found ??= await openFile("404.html");
    if (!found) {
      response.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("Not found");
      return;
    }
    const { file, handle } = found;
    const headers = {
      "content-type": CONTENT_TYPES[path.extname(file)] ?? "application/octet-stream",
      "x-content-type-options": "nosniff",
    };
    if (extras.transformHtml && file.endsWith(".html")) {
      // Read whole: a page may be replaced by a rebuild while it is being sent.
      const html = extras.transformHtml(
        await handle.readFile("utf8").finally(() => handle.close()),
      );
      response.writeHead(status, headers).end(request.method === "HEAD" ? undefined : html);
      return;
    }
    response.writeHead(status, headers);
    if (request.method === "HEAD") {
      await handle.close();
      response.end();
    } else {
      // A reader that goes away mid-file ends the copy; the file is closed either way.
      await pipeline(handle.createReadStream(), response).catch(() => undefined);
    }
  });
}

/** Listens and returns the port; a port in use is the user's to change, so it says how. */
export function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        error.code === "EADDRINUSE"
          ? new PortInUseError(`port ${port} is in use; choose another with --port N`)
          : error,
      ),
    );
    server.listen(port, host, () => {
      const address = server.address();
      resolve(typeof address === "object" && address ? address.port : port);
    });
  });
}

/** A port the user must change; the CLI prints it as it prints content errors. */
export class PortInUseError extends Error {}

/** `npm run preview`: the built site on 127.0.0.1, under the configured path prefix. */
export async function preview(options: {
  root: string;
  outDir: string;
  port: number;
}): Promise<number> {
  const config = await loadSiteConfig(options.root);
  const server = createStaticServer(options.outDir, config.pathPrefix);
  const port = await listen(server, options.port, "127.0.0.1");
  console.log(
    `Previewing ${options.outDir} at http://127.0.0.1:${port}${config.pathPrefix} (Ctrl+C to stop)`,
  );
  await untilStopped();
  server.close();
  return 0;
}

/** Until Ctrl+C, or SIGTERM from a process manager. */
export function untilStopped(): Promise<void> {
  return new Promise((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
}
