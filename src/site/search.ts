import { readFile } from "node:fs/promises";
import path from "node:path";
import * as pagefind from "pagefind";

/**
 * Full-text search with Pagefind, whose npm package ships its own binary: the index is built over
 * the finished pages, so search sees exactly what readers see.
 */
export async function buildSearchIndex(siteDir: string): Promise<{ pages: number }> {
  const { index, errors } = await pagefind.createIndex({});
  if (!index) throw new Error(`Pagefind could not start: ${errors.join("; ")}`);
  try {
    const added = await index.addDirectory({ path: siteDir });
    if (added.errors.length > 0) throw new Error(`Pagefind: ${added.errors.join("; ")}`);
    const written = await index.writeFiles({ outputPath: path.join(siteDir, "pagefind") });
    if (written.errors.length > 0) throw new Error(`Pagefind: ${written.errors.join("; ")}`);
    // Pagefind reads every page but indexes only those marked data-pagefind-body; count those.
    const entry = JSON.parse(
      await readFile(path.join(siteDir, "pagefind", "pagefind-entry.json"), "utf8"),
    ) as {
      languages: Record<string, { page_count: number }>;
    };
    return { pages: Object.values(entry.languages).reduce((sum, l) => sum + l.page_count, 0) };
  } finally {
    await pagefind.close();
  }
}
