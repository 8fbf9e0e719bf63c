import { createRequire } from "node:module";
import type Compromise from "compromise";
import { installFastSweep } from "./sweep.ts";

let loaded: typeof Compromise | null = null;

/**
 * compromise, loaded the first time an analysis needs it: a build whose articles all come from
 * the cache never does, nor does the main thread while worker threads analyse. Required rather
 * than imported: the package's bundled CommonJS build loads in ~0.12 s, where its ES module's
 * several hundred files took ~0.5 s through tsx's loader at every start-up, and it tags the same
 * (8,000 sentences of the bench corpus: the same tags, people, organizations and places, at the
 * same speed; 10,000 bench articles: byte-identical data exports).
 */
export function compromise(): typeof Compromise {
  if (!loaded) {
    loaded = createRequire(import.meta.url)("compromise") as typeof Compromise;
    // Its pattern sweep replaced by an equivalent that tags a fifth faster (see sweep.ts).
    installFastSweep(loaded);
  }
  return loaded;
}
