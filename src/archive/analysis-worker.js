// Worker threads do not inherit the loader the main thread registered, so each registers tsx
// before importing the TypeScript it runs. Plain JavaScript because nothing compiles it first.
import { workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";
import { preloadLibraries } from "../libraries.js";

// Before the loader, so the libraries skip it (see src/libraries.js).
await preloadLibraries("analysis");
register();
const { workerTask } = await import("./work.ts");

export default function analyse(task) {
  return workerTask(workerData.kb, task);
}
