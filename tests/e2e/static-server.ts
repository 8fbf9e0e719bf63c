import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";

/**
 * The smallest static host the browser tests need, kept here rather than borrowed from the site's
 * own preview server so a lenient preview cannot hide a broken link: files under `prefix` only,
 * `/dir/` serves dir/index.html, `/dir` redirects to `/dir/` as common hosts do, anything else is
 * a 404 with the site's 404.html. Listens on 127.0.0.1 only.
 */

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".xml": "application/xml",
  ".csv": "text/csv; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".wasm": "application/wasm",
};

export interface StaticSite {
  origin: string;
  close: () => Promise<void>;
}

async function isFile(file: string): Promise<boolean> {
  return (await stat(file).catch(() => null))?.isFile() ?? false;
}

export async function serveStatic(dir: string, prefix = "/"): Promise<StaticSite> {
  const root = path.resolve(dir);
  const server = createServer(async (request, response) => {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    let inside: string | null = null;
    try {
      inside = url.pathname.startsWith(prefix)
        ? decodeURIComponent(url.pathname.slice(prefix.length))
        : null;
    } catch {
      inside = null;
    }
    const file = inside === null ? null : path.resolve(root, inside);
    const contained = file !== null && (file === root || file.startsWith(`${root}${path.sep}`));
    if (contained && file) {
      if (inside?.endsWith("/") || inside === "") {
        const index = path.join(file, "index.html");
        if (await isFile(index)) return send(index, 200);
      } else if (await isFile(file)) {
        return send(file, 200);
      } else if (await isFile(path.join(file, "index.html"))) {
        response.writeHead(301, { location: `${url.pathname}/` }).end();
        return;
      }
    }
    const notFound = path.join(root, "404.html");
    if (await isFile(notFound)) return send(notFound, 404);
    response.writeHead(404).end("not found");

    function send(target: string, status: number): void {
      response.writeHead(status, {
        "content-type": TYPES[path.extname(target)] ?? "application/octet-stream",
      });
      createReadStream(target).pipe(response);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
