import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/**
 * A full garbage collection, for the points of a build where much has just become garbage. V8,
 * far from its heap limit, would otherwise keep that garbage and grow the heap to gigabytes.
 * `gc` is only exposed by a flag; setting the flag at run time and taking the function from a
 * fresh context is the documented way to get it without restarting node.
 */
export const collectGarbage: () => void = (() => {
  setFlagsFromString("--expose-gc");
  const gc: unknown = runInNewContext("gc");
  return typeof gc === "function" ? () => gc() : () => {};
})();
