import { exportText } from "../src/site/exports.ts";
import { everyPage } from "../src/site/listing.ts";
import { loadedProject } from "../src/site/project.ts";
import { robotsTxt } from "../src/site/sitemap.ts";

/** Files that are not pages: data exports, sitemap(s) and robots.txt. */

interface OutputPage {
  output: string;
}

export const data = {
  pagination: { data: "pages.outputs", size: 1, alias: "output" },
  permalink: (page: OutputPage) => page.output,
  eleventyExcludeFromCollections: true,
};

export function render(page: OutputPage): string {
  const { archive, config, kb } = loadedProject();
  switch (page.output) {
    case "/robots.txt":
      return robotsTxt(config);
    default: {
      const data = exportText(page.output, archive, kb, config);
      if (data !== undefined) return data;
      const file = everyPage(archive, config).sitemaps.get(page.output);
      if (file === undefined) throw new Error(`Unknown output ${page.output}`);
      return file;
    }
  }
}
