import path from "node:path";
import { timeServeEdits } from "./serve-timing.ts";

/**
 * `npm run bench:serve -- <folder> [edits]`: how long `npm start` takes from a saved edit to the
 * edited article's open page reloading, to every other open page reloading, and to the end of
 * the build (search index published), on a project left by `npm run bench:project`
 * (<folder>/project, built into <folder>/dist). See timeServeEdits.
 */

const [folderArg = "", editsArg = "3"] = process.argv.slice(2);
const edits = Number(editsArg);
if (folderArg === "" || !Number.isInteger(edits) || edits < 1) {
  console.error("usage: npm run bench:serve -- <folder> [edits]");
  process.exit(2);
}
const folder = path.resolve(folderArg);
const timing = await timeServeEdits(path.join(folder, "project"), path.join(folder, "dist"), edits);
const seconds = (ms: number) => (ms / 1000).toFixed(2);
console.log(
  `first build: ${(timing.firstBuildMs / 1000).toFixed(1)} s (${timing.firstOk ? "ok" : timing.firstError})`,
);
for (const [index, edit] of timing.edits.entries()) {
  console.log(
    `edit ${index + 1}: ${seconds(edit.editedMs)} s from save to the edited page's reload, ${seconds(edit.everyMs)} s to every page's, ${seconds(edit.endMs)} s to the build's end, search included (${edit.ok ? "ok" : edit.error})`,
  );
  console.log(`  ${edit.stages}`);
}
