import type { Project } from "../../src/site/project.ts";

/**
 * A project as a build loads it, made from an archive and the digests a test chooses, with every
 * article counted as taken from the cache: for testing the plan without loading content.
 */
export function projectFrom(
  parts: Pick<
    Project,
    "config" | "kb" | "archive" | "articleDigests" | "exportDigests" | "searchDigests"
  >,
): Project {
  const count = parts.archive.articles.length;
  return {
    root: "/nowhere",
    timings: {},
    corpus: {
      files: count,
      cached: count,
      unaffected: 0,
      recalled: 0,
      analysed: 0,
      workers: 0,
      remembered: false,
    },
    analysedIds: [],
    articleInputs: { pipeline: "pipeline", files: [] },
    saveCache: async () => {},
    ...parts,
  };
}
