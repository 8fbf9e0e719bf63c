import { readFile, rename, unlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { isMap, isScalar, isSeq, parseDocument, type YAMLMap, type YAMLSeq } from "yaml";
import { type EntityKind, entityKindSchema } from "../records/index.ts";
import { KNOWLEDGE_FILES } from "./load.ts";

/**
 * `news-archive review`: what discovery found, and the editor's decisions about it. Decisions are
 * written into content/knowledge/*.yaml through the YAML document model, so the editor's comments,
 * order and formatting survive, and each file is replaced atomically.
 */

/** An automatically detected entity, as the review lists it. */
export interface ReviewCandidate {
  id: string;
  name: string;
  kind: EntityKind;
  articles: number;
  mentions: number;
  /** The sentence of its first mention, and the article's id in brackets. */
  example: string;
}

/** Most articles first, then most mentions, then by id. */
function byReviewOrder(a: ReviewCandidate, b: ReviewCandidate): number {
  return b.articles - a.articles || b.mentions - a.mentions || a.id.localeCompare(b.id);
}

async function editYaml(
  file: string,
  edit: (doc: ReturnType<typeof parseDocument>) => void,
): Promise<void> {
  const before = await readFile(file, "utf8").catch(() => "");
  const doc = parseDocument(before);
  if (doc.errors.length > 0) throw new Error(`${file} is not valid YAML; fix it before reviewing`);
  edit(doc);
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, doc.toString({ lineWidth: 0 }), { flag: "wx" });
  // Someone editing the file while we worked must not lose their change to ours.
  if ((await readFile(file, "utf8").catch(() => "")) !== before) {
    await unlink(temp);
    throw new Error(`${file} changed while reviewing; run the command again`);
  }
  await rename(temp, file);
}

function sequenceAt(doc: ReturnType<typeof parseDocument>, key: string): YAMLSeq {
  let seq = doc.get(key, true);
  if (!isSeq(seq)) {
    seq = doc.createNode([]);
    doc.set(key, seq);
  }
  return seq as YAMLSeq;
}

function findEntity(doc: ReturnType<typeof parseDocument>, id: string): YAMLMap | undefined {
  const seq = doc.get("entities", true);
  if (!isSeq(seq)) return undefined;
  return seq.items.find((item): item is YAMLMap => isMap(item) && item.get("id") === id);
}

const HELP = `news-archive review                         list automatically detected entities
news-archive review promote ID [--kind K]   add ID to the knowledge base as a curated entity
news-archive review merge ID --into ENTITY  record ID's name as an alias of ENTITY
news-archive review reject ID               never propose ID's name again`;

/**
 * `candidates` finds what discovery detected: the CLI reads it through the build's article cache
 * (src/archive/candidates.ts), which this stage cannot import.
 */
export async function review(
  args: string[],
  options: { root: string; candidates: () => Promise<ReviewCandidate[]> },
): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      kind: { type: "string" },
      into: { type: "string" },
      reason: { type: "string", default: "" },
    },
  });
  const [action = "list", id] = positionals;
  const knowledge = path.join(options.root, "content", "knowledge");
  const found = (await options.candidates()).sort(byReviewOrder);
  if (action === "list") {
    if (found.length === 0) {
      console.log("No automatically detected entities to review.");
      return 0;
    }
    for (const c of found) {
      console.log(
        `${c.id}  ${c.name} (${c.kind}) — ${c.articles} article(s), ${c.mentions} mention(s)\n    ${c.example}`,
      );
    }
    console.log(`\n${found.length} to review.\n${HELP}`);
    return 0;
  }
  const candidate = found.find((c) => c.id === id);
  if (!candidate) {
    console.error(
      `news-archive review: "${id ?? ""}" is not an automatically detected entity (see: news-archive review)`,
    );
    return 2;
  }
  const entitiesFile = path.join(knowledge, KNOWLEDGE_FILES.entities);
  switch (action) {
    case "promote": {
      const kind = entityKindSchema.safeParse(values.kind ?? candidate.kind);
      if (!kind.success) {
        console.error("news-archive review: --kind must be person, organization or place");
        return 2;
      }
      await editYaml(entitiesFile, (doc) => {
        sequenceAt(doc, "entities").add(
          doc.createNode({
            id: candidate.id,
            name: candidate.name,
            kind: kind.data,
            description: "",
          }),
        );
      });
      console.log(
        `Promoted ${candidate.name} (${kind.data}) to ${path.relative(options.root, entitiesFile)}`,
      );
      return 0;
    }
    case "merge": {
      const target = values.into;
      if (!target) {
        console.error(
          "news-archive review merge: name the entity to merge into with --into ENTITY",
        );
        return 2;
      }
      let merged = false;
      await editYaml(entitiesFile, (doc) => {
        const entity = findEntity(doc, target);
        if (!entity) return;
        const existing: unknown = entity.get("aliases", true);
        const list = isSeq(existing) ? existing : doc.createNode([]);
        if (!isSeq(existing)) entity.set("aliases", list);
        if (!list.items.some((a) => isScalar(a) && a.value === candidate.name))
          list.add(candidate.name);
        merged = true;
      });
      if (!merged) {
        console.error(
          `news-archive review merge: no entity "${target}" in ${path.relative(options.root, entitiesFile)}`,
        );
        return 2;
      }
      console.log(`Merged ${candidate.name} into ${target} as an alias`);
      return 0;
    }
    case "reject": {
      const rejectedFile = path.join(knowledge, KNOWLEDGE_FILES.rejected);
      await editYaml(rejectedFile, (doc) => {
        sequenceAt(doc, "rejected").add(
          doc.createNode({ name: candidate.name, reason: values.reason }),
        );
      });
      console.log(`Rejected ${candidate.name}; discovery will not propose it again`);
      return 0;
    }
    default:
      console.error(`news-archive review: unknown action "${action}"\n${HELP}`);
      return 2;
  }
}
