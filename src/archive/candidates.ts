import path from "node:path";
import { loadKnowledgeBase, type ReviewCandidate } from "../knowledge/index.ts";
import { ContentError } from "../records/index.ts";
import { loadCorpus } from "./corpus.ts";
import { firstSentence, unpackMentions } from "./work.ts";

/**
 * What `news-archive review` lists, read through the build's article cache: only articles changed
 * since the last build are analysed (in worker threads when there are many), where analysing every
 * article in one thread took over a minute at 10,000.
 */
export async function reviewCandidates(
  root: string,
  onProgress?: (done: number, total: number) => void,
): Promise<ReviewCandidate[]> {
  const kb = await loadKnowledgeBase(path.join(root, "content", "knowledge"), root);
  const corpus = await loadCorpus({ root, kb, ...(onProgress ? { onProgress } : {}) });
  if (corpus.problems.length > 0) throw new ContentError(corpus.problems);
  const found = new Map(
    corpus.discovered.map((d) => [d.id, { ...d, articles: 0, mentions: 0, example: "" }]),
  );
  // In file order, as the analysis saw them: the example comes from the first article naming it.
  for (const article of corpus.articles) {
    const named = new Set<ReviewCandidate>();
    for (const mention of unpackMentions(article.mentionTable)) {
      const candidate = found.get(mention.entityId);
      if (!candidate) continue;
      candidate.mentions += 1;
      named.add(candidate);
    }
    for (const candidate of named) {
      candidate.articles += 1;
      candidate.example ||= `${firstSentence(article, candidate.id)} (${article.id})`;
    }
  }
  return [...found.values()];
}
