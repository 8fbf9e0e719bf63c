import path from "node:path";
import { renderToStaticMarkup } from "preact-render-to-string";
import { feedPaths } from "./src/site/feeds.ts";
import { everyPage } from "./src/site/listing.ts";
import { selectPages } from "./src/site/pages.ts";
import { currentRenderSelection, getProject } from "./src/site/project.ts";

/**
 * Eleventy does not find a TypeScript config by itself: run it through tsx,
 * `tsx node_modules/@11ty/eleventy/cmd.cjs --config=.eleventy.ts`, or use `npm run build`.
 * Templates are `*.11ty.tsx` modules whose JSX preact renders to escaped HTML; no Liquid or
 * Nunjucks template ever sees article text.
 */

interface TemplateThis {
  defaultRenderer(data: unknown): Promise<unknown>;
}

interface EleventyConfig {
  addExtension(
    extensions: string[],
    options: {
      key: string;
      compile: () => (this: TemplateThis, data: unknown) => Promise<string | Buffer>;
    },
  ): void;
  setTemplateFormats(formats: string[]): void;
  addPassthroughCopy(copy: Record<string, string>): void;
  addGlobalData(name: string, value: () => Promise<unknown>): void;
  setQuietMode(quiet: boolean): void;
}

export default function (eleventyConfig: EleventyConfig) {
  eleventyConfig.addExtension(["11ty.tsx"], {
    key: "11ty.js",
    compile() {
      return async function (this: TemplateThis, data: unknown) {
        const output = await this.defaultRenderer(data);
        const html =
          typeof output === "string"
            ? output
            : `<!DOCTYPE html>\n${renderToStaticMarkup(output as Parameters<typeof renderToStaticMarkup>[0])}`;
        // Eleventy holds every page's output until its run ends. As a string it lives in V8's
        // heap, where each young-generation collection copies it and a full one walks it; as the
        // UTF-8 bytes it is written as anyway, it lies outside: at 10,000 articles the render
        // took 12.8-13.2 s instead of 16.5-17.2 s and the build peaked ~85 MB lower.
        return Buffer.from(html);
      };
    },
  });
  eleventyConfig.setTemplateFormats(["11ty.tsx"]);
  // Paths relative to where Eleventy runs, which need not be this folder when building another content root.
  const templates =
    path.relative(process.cwd(), path.join(import.meta.dirname, "templates")) || ".";
  eleventyConfig.addPassthroughCopy({ [path.join(templates, "assets")]: "assets" });
  // Page lists for pagination: ids only, so Eleventy's data cascade never copies the whole archive.
  eleventyConfig.addGlobalData("pages", async () => {
    const { archive, config } = await getProject();
    const all = everyPage(archive, config);
    // A build that reuses unchanged pages from the previous site renders only the rest, in runs.
    const keep = currentRenderSelection() ?? (() => true);
    return {
      feeds: all.feeds.filter((feed) => keep(feedPaths(feed.scope)[feed.format])),
      outputs: all.outputs.filter((output) => keep(output)),
      ...selectPages(all.pages, keep),
    };
  });
  return {
    // The output folder is not set here: `npm run build` stages into a temporary folder and swaps it into dist/.
    dir: { input: templates, includes: "_lib", data: "_data" },
  };
}
