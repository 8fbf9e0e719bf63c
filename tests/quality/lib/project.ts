import { cp, mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { REPO } from "../../helpers/site.ts";

/** The committed hostile project: content/articles, content/knowledge and a site.yaml with markup. */
export const HOSTILE_ROOT = path.join(REPO, "tests", "fixtures", "hostile");

/**
 * A temporary project root holding a copy of `from`'s content/ plus `files` (paths relative to
 * the root, text or bytes), for builds that must not touch the repository.
 */
export async function projectWith(
  files: Record<string, string | Uint8Array> = {},
  from = HOSTILE_ROOT,
): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), "quality-root-"));
  await cp(path.join(from, "content"), path.join(root, "content"), { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(root, name);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content);
  }
  return root;
}

/** A Node or V8 stack frame line, which a user-facing error must never show. */
export const STACK_FRAME = /^\s+at .+(?:\(|:\d+:\d+)/m;
