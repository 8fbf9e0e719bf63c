/**
 * Matching works on a folded copy of the text (diacritics, curly quotes, odd spaces and hyphens
 * made plain) so "Cavusoglu" finds "Çavuşoğlu" and "NATO’s" is "NATO's". Folding can change
 * lengths, so every folded character keeps the offset of the original character it came from:
 * mentions are always reported in the original text.
 */

const CHARACTER_FOLDS: Record<string, string> = {
  "\u2018": "'",
  "\u2019": "'",
  "\u201A": "'",
  "\u2032": "'",
  "\u201C": '"',
  "\u201D": '"',
  "\u201E": '"',
  "\u00A0": " ",
  "\u2007": " ",
  "\u202F": " ",
  "\u2009": " ",
  "\u2011": "-",
  "\u2010": "-",
};

export interface FoldedText {
  folded: string;
  /** Original offset of each folded character, plus one entry for the end. */
  toOriginal: number[];
}

export function foldCharacter(ch: string): string {
  const direct = CHARACTER_FOLDS[ch];
  if (direct !== undefined) return direct;
  const plain = ch.normalize("NFKD").replace(/\p{M}/gu, "");
  return plain.length > 0 ? plain : ch;
}

export function foldText(text: string): FoldedText {
  let folded = "";
  const toOriginal: number[] = [];
  let offset = 0;
  for (const ch of text) {
    const plain = ch.charCodeAt(0) < 128 ? ch : foldCharacter(ch);
    for (let i = 0; i < plain.length; i += 1) toOriginal.push(offset);
    folded += plain;
    offset += ch.length;
  }
  toOriginal.push(offset);
  return { folded, toOriginal };
}

/** Folds a phrase from the knowledge base the same way the text is folded. */
export function foldPhrase(phrase: string): string {
  return foldText(phrase.normalize("NFC")).folded;
}

export interface Token {
  value: string;
  start: number;
  end: number;
}

/**
 * Words, and each punctuation mark as its own token, so "NATO's" is NATO + ' + s. A word is also
 * split where a lower-case letter meets a capital ("withKuleba", "PompeoBlinken", "LuigiDiMaio"):
 * scrapers drop the space there, and phrases of the knowledge base are split the same way, so
 * "McConnell" still matches itself.
 */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  // One pass: a word piece ends before a non-word character or where a lower-case letter meets a
  // capital, which is what splitting each word a second time used to do at several times the cost.
  for (const match of text.matchAll(TOKEN)) {
    const start = match.index;
    tokens.push({ value: match[0], start, end: start + match[0].length });
  }
  return tokens;
}

const TOKEN = /[\p{L}\p{N}]+?(?:(?<=\p{Ll})(?=\p{Lu})|(?![\p{L}\p{N}]))|[^\s\p{L}\p{N}]/gu;

/** Whether a token is glued to the word before or after it (no space or mark in between). */
export function isGluedAt(folded: string, start: number, end: number): boolean {
  const letter = /[\p{L}\p{N}]/u;
  return letter.test(folded[start - 1] ?? "") || letter.test(folded[end] ?? "");
}
