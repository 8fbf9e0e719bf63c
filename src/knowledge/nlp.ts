import { createRequire } from "node:module";
import type Compromise from "compromise";

let loaded: typeof Compromise | null = null;

/**
 * compromise, loaded the first time an analysis needs it: a build whose articles all come from
 * the cache never does, nor does the main thread while worker threads analyse (loading it took
 * ~0.25 s and ~45 MB). Required rather than imported: the package's bundled CommonJS build loads
 * in half the time of its ES module's many files, and tags the same (8,000 sentences of the
 * bench corpus: the same tags, people, organizations and places, at the same speed).
 */
export function compromise(): typeof Compromise {
  loaded ??= createRequire(import.meta.url)("compromise") as typeof Compromise;
  return loaded;
}
