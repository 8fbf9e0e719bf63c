/**
 * A faster equivalent of compromise's `bulkMatch`, the step of its post-tagger (and of its
 * `match()` methods) that picks, for each sentence, which of its ~570 patterns can apply and
 * runs them. The library's own version walks every key of its pattern index for every sentence,
 * concatenating lists and removing duplicates through an object keyed by pattern text: about
 * 40% of tagging a sentence. This one walks the sentence's own words and tags instead, with the
 * index's key order and duplicate removal precomputed once, and then applies the library's own
 * filters and matcher in the library's order, so it finds the same matches in the same order
 * (tests/knowledge/compromise.test.ts compares every term's tags both ways).
 *
 * The shapes below are compromise 14's internals, not its published types: `installFastSweep`
 * checks them and leaves the library alone when a release changes them.
 */

/** A compiled pattern of compromise's match index ("net"). */
interface NetMatch {
  match: string;
  needs: readonly string[];
  wants: readonly string[];
  minWant: number;
  minWords: number;
  ifNo?: readonly string[];
}

interface Net {
  hooks: Record<string, readonly NetMatch[]>;
  always: readonly NetMatch[];
}

type Sentence = readonly unknown[];
type Pointer = number[];

interface SweepMethods {
  one: {
    cacheDoc: (document: readonly Sentence[]) => ReadonlySet<string>[];
    match: (document: readonly Sentence[], match: NetMatch) => { ptrs: Pointer[] };
    bulkMatch: BulkMatch;
  };
}

type BulkMatch = (
  document: readonly Sentence[],
  net: Net,
  methods: SweepMethods,
  options?: { matchOne?: boolean },
) => (NetMatch & { pointer: Pointer })[];

/** A net's hook lists in the library's key order, each pattern numbered by its text. */
interface HookIndex {
  rank: Map<string, number>;
  lists: { match: NetMatch; textId: number }[][];
  /** Per pattern text, the sweep that last took it: duplicates are skipped without a set. */
  takenIn: Uint32Array;
  sweeps: number;
}

const hookIndexes = new WeakMap<Net["hooks"], HookIndex>();

function hookIndex(hooks: Net["hooks"]): HookIndex {
  let index = hookIndexes.get(hooks);
  if (!index) {
    // Object.keys' order, integer-like keys first, is the order the library concatenates in.
    const keys = Object.keys(hooks);
    const textIds = new Map<string, number>();
    const lists = keys.map((key) =>
      (hooks[key] ?? []).map((match) => {
        let textId = textIds.get(match.match);
        if (textId === undefined) {
          textId = textIds.size;
          textIds.set(match.match, textId);
        }
        return { match, textId };
      }),
    );
    index = {
      rank: new Map(keys.map((key, i) => [key, i])),
      lists,
      takenIn: new Uint32Array(textIds.size),
      sweeps: 0,
    };
    hookIndexes.set(hooks, index);
  }
  return index;
}

/** The patterns worth trying on one sentence, in the order the library tries them. */
function candidates(haves: ReadonlySet<string>, termCount: number, net: Net): NetMatch[] {
  const index = hookIndex(net.hooks);
  const ranks: number[] = [];
  for (const item of haves) {
    const rank = index.rank.get(item);
    if (rank !== undefined) ranks.push(rank);
  }
  ranks.sort((a, b) => a - b);
  // Wrapping around after 2³² sweeps would need the table cleared; a build does far fewer.
  index.sweeps = index.sweeps === 0xffffffff ? 1 : index.sweeps + 1;
  if (index.sweeps === 1) index.takenIn.fill(0);
  const sweep = index.sweeps;
  const todo: NetMatch[] = [];
  for (const rank of ranks) {
    for (const { match, textId } of index.lists[rank] ?? []) {
      // The library drops a pattern whose text it has listed already, before any filter.
      if (index.takenIn[textId] === sweep) continue;
      index.takenIn[textId] = sweep;
      if (!match.needs.every((need) => haves.has(need))) continue;
      if (match.ifNo?.some((no) => haves.has(no))) continue;
      if (match.wants.length > 0) {
        let wanted = 0;
        for (const want of match.wants) if (haves.has(want)) wanted += 1;
        if (wanted < match.minWant) continue;
      }
      if (termCount < match.minWords) continue;
      todo.push(match);
    }
  }
  for (const match of net.always) if (termCount >= match.minWords) todo.push(match);
  return todo;
}

const fastBulkMatch: BulkMatch = (document, net, methods, options = {}) => {
  const haves = methods.one.cacheDoc(document);
  const found: (NetMatch & { pointer: Pointer })[] = [];
  for (const [n, sentence] of document.entries()) {
    for (const match of candidates(haves[n] ?? new Set(), sentence.length, net)) {
      const result = methods.one.match([sentence], match);
      if (result.ptrs.length === 0) continue;
      for (const pointer of result.ptrs) {
        pointer[0] = n;
        found.push({ ...match, pointer });
      }
      if (options.matchOne === true) return found.slice(0, 1);
    }
  }
  return found;
};

function sweepMethods(world: object): SweepMethods | null {
  const methods = (world as { methods?: { one?: Partial<SweepMethods["one"]> } }).methods;
  const one = methods?.one;
  if (
    typeof one?.bulkMatch !== "function" ||
    typeof one.cacheDoc !== "function" ||
    typeof one.match !== "function"
  ) {
    return null;
  }
  return methods as SweepMethods;
}

/** compromise's own sweep, by the methods it was taken from, for `withLibrarySweep`. */
const librarySweeps = new WeakMap<SweepMethods["one"], BulkMatch>();

/**
 * Puts the faster sweep into a compromise world, once. Leaves a world that is not the shape it
 * was written for as it is (tagging is then only slower); says whether it installed.
 */
export function installFastSweep(nlp: { world: () => object; version: string }): boolean {
  const methods = sweepMethods(nlp.world());
  if (!methods || !nlp.version.startsWith("14.") || methods.one.bulkMatch === fastBulkMatch) {
    return false;
  }
  librarySweeps.set(methods.one, methods.one.bulkMatch);
  methods.one.bulkMatch = fastBulkMatch;
  return true;
}

/** Runs `work` with compromise's own sweep instead of ours: for comparing the two. */
export function withLibrarySweep<T>(nlp: { world: () => object }, work: () => T): T {
  const methods = sweepMethods(nlp.world());
  const own = methods ? librarySweeps.get(methods.one) : undefined;
  if (!methods || !own) return work();
  const installed = methods.one.bulkMatch;
  methods.one.bulkMatch = own;
  try {
    return work();
  } finally {
    methods.one.bulkMatch = installed;
  }
}
