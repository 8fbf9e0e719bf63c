import { decodeHTML } from "entities";
import { parseHeaderDate } from "./dates.ts";

/**
 * Turns one scraped article into structured parts. Every rule works on the shape of a line (length,
 * punctuation, capitalisation, position) or on phrases outlets share; none knows a particular file.
 */

export type Block =
  | { kind: "paragraph"; text: string }
  | { kind: "heading"; text: string }
  | { kind: "caption"; text: string };

export interface CleanArticle {
  title: string;
  /** True when the title was written by the outlet rather than derived from the lead. */
  titleFromText: boolean;
  date: string | null;
  dateEvidence: string | null;
  source: string | null;
  dateline: string | null;
  sourceTags: string[];
  blocks: Block[];
  /** Lines dropped as outlet furniture, for the import report and tests. */
  removed: string[];
}

/** Widget labels, prompts and footers that outlets wrap around articles. */
const BOILERPLATE_LINE = [
  /^(?:listen live|get short url|video|watch|play|advertisement|sponsored|comments?|discussion|print|email|share|tweet)$/i,
  /^(?:read more|also read|read also|related|see also|more on this|recommended)\s*:/i,
  /^(?:share|tweet|email|print)(?: this)?(?: article| story| page)?(?:\s+on\s+\w+)?\s*[:!.]?$/i,
  /^(?:subscribe|sign up|join us|follow us|like us|download (?:our|the) app)\b.{0,100}$/i,
  /^community standards/i,
  /^(?:all rights reserved|©|copyright\s)/i,
  /^(?:\(?(?:additional )?(?:reporting|writing|editing|compiled) by\b).{0,200}$/i,
  /^(?:photo|image|video|file photo)\s*(?:credit)?\s*:\s*\S.{0,60}$/i,
  /^advertisement\b.{0,60}$/i,
  /^(?:continue reading|click here|watch|listen)\b.{0,60}(?:below|here|now)?$/i,
  // A byline names the author; it is metadata about the article, not its text.
  /^[Bb]y\s+\p{Lu}[\p{L}.'’-]+(?:\s+\p{Lu}[\p{L}.'’-]+){0,3}(?:\s*(?:,|and|\||-)\s*.{0,60})?$/u,
];

/** "Tags: NATO, Afghanistan" and the like: the outlet's own keywords. */
const TAGS_PREFIX = /^(?:tags|topics|keywords|filed under|related topics)\s*:\s*/i;

/** "Image caption: …", "Caption: …": a caption labelled as one. */
const CAPTION_PREFIX = /^(?:image caption|photo caption|caption|pictured)\s*:\s*/i;

/** Player ids: long digit runs and UUIDs with nothing else on the line. */
const MEDIA_IDS =
  /^(?:(?:\d{8,}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\s*)+$/i;

/** "*Daesh — a terrorist group, outlawed in numerous countries" style legal footnotes. */
const LEGAL_FOOTNOTE =
  /^\*\s?[\p{L}\p{N} .'-]{2,60}\s*[—–-]\s+.*\b(?:banned|outlawed|prohibited|terrorist|extremist|designated)\b/iu;

const POSITION_MARKER =
  /,\s+(?:(?:second |third |far |top |bottom )?(?:left|right|center|centre)|(?:2nd|3rd) (?:left|right)|from left|foreground|background|pictured)\s*(?:,|\)|$)/i;
const PHOTO_CREDIT =
  /\((?:photo|image|picture|file photo)\b[^)]*\)|\bAP Photo\/|\bREUTERS\/|\bGetty Images\b|\/(?:AFP|EPA|AP)\b/i;
const ENDS_WITH_DATE =
  /\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+\d{1,2},\s+\d{4}\.?$/;

/** A photo caption: "X, right, and Y speak … in Brussels, April 14, 2021." */
export function isCaption(line: string): boolean {
  if (line.length > 400) return false;
  if (PHOTO_CREDIT.test(line)) return true;
  return POSITION_MARKER.test(line) && (ENDS_WITH_DATE.test(line) || line.length < 250);
}

/** Normalises raw scraped text: one logical line per array item, HTML and invisible junk gone. */
export function normaliseRaw(raw: string): string[] {
  let text = raw.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n");
  text = text.replace(/<(script|style|noscript|template)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, "");
  text = text.replace(/<!--[\s\S]*?-->/g, "");
  text = text.replace(
    /<\s*(?:br|\/p|\/div|\/h[1-6]|\/li|\/figcaption|\/blockquote)\s*\/?>/gi,
    "\n",
  );
  text = text.replace(/<\/?[a-z][a-z0-9-]*(?:\s[^<>]*)?\/?>/gi, "");
  text = decodeHTML(text);
  text = text.normalize("NFC");
  return text.split("\n").map((line) =>
    line
      .replace(/[\u00A0\u2007\u202F\u2000-\u200A\u3000]/g, " ")
      .replace(/[\u200B-\u200D\u2060\uFEFF\u00AD]/g, "")
      .replace(/[\t ]+/g, " ")
      .trim(),
  );
}

const wordsOf = (line: string) => line.split(/\s+/).filter(Boolean);
const endsSentence = (line: string) => /[.!?…]["”’)\]]*$/.test(line) || /[.!?]\s*["”]$/.test(line);

/** A short line with no closing punctuation that starts with a capital: a heading or headline. */
function isHeadingShaped(line: string, maxWords: number): boolean {
  const words = wordsOf(line);
  if (words.length === 0 || words.length > maxWords || line.length > 140) return false;
  if (/[.,;:!"“”]$/.test(line)) return false;
  return /^[\p{Lu}\p{N}'‘"“]/u.test(line);
}

function isHeadlineShaped(line: string): boolean {
  return (
    isHeadingShaped(line, 20) ||
    (line.length <= 140 &&
      !endsSentence(line) &&
      /^[\p{Lu}"“‘']/u.test(line) &&
      !/[,;:]$/.test(line))
  );
}

/** Headline of a related-link list: mostly capitalised words, no sentence ending. */
function isLinkHeadline(line: string): boolean {
  if (line.length > 160 || /[.,;:]$/.test(line)) return false;
  const words = wordsOf(line).filter((w) => /^\p{L}{4,}/u.test(w));
  if (words.length === 0) return false;
  const capitalised = words.filter((w) => /^\p{Lu}/u.test(w)).length;
  return capitalised / words.length >= 0.6;
}

/** "NATO, Jens Stoltenberg, Afghanistan, Russia, Brussels" or "Tags: NATO, Afghanistan" */
function parseTagsLine(line: string): string[] | null {
  const labelled = TAGS_PREFIX.test(line);
  const list = line.replace(TAGS_PREFIX, "");
  if (endsSentence(list) || (!labelled && !list.includes(","))) return null;
  const tags = list.split(/\s*[,;|]\s*/).map((t) => t.trim());
  if ((!labelled && tags.length < 3) || tags.some((t) => t === "" || wordsOf(t).length > 4))
    return null;
  if (!tags.every((t) => /^[\p{Lu}\p{N}#]/u.test(t))) return null;
  return tags;
}

const DATELINE =
  /^([\p{Lu}][\p{Lu}'’.\- ]*[\p{Lu}.])(?:,\s*([\p{Lu}][\p{L}.]*(?:\s+\d{1,2})?))?\s*(?:\(([^)]{2,40})\))?\s*[-—–]{1,2}\s+(?=\S)/u;

function titleCase(place: string): string {
  return place
    .toLowerCase()
    .replace(/(^|[\s\-'’.])(\p{L})/gu, (_, sep: string, ch: string) => sep + ch.toUpperCase());
}

/** "BRUSSELS (Sputnik) - Text" → place, outlet and the text after the prefix. */
export function splitDateline(
  paragraph: string,
): { place: string; source: string | null; rest: string } | null {
  const match = DATELINE.exec(paragraph);
  if (!match?.[1]) return null;
  const place = match[1].trim();
  // A dateline place is written in capitals; a sentence that starts with "NATO -" is not one.
  if (place.replace(/[^\p{L}]/gu, "").length < 3) return null;
  if (!match[3] && !match[2]) return null;
  return {
    place: titleCase(place),
    source: match[3]?.trim() ?? null,
    rest: paragraph.slice(match[0].length),
  };
}

/** Derives a headline from the lead: its first sentence, shortened at a word boundary. */
export function headlineFromLead(lead: string, maxLength = 90): string {
  const sentence = (/^.+?[.!?](?=\s|$)/.exec(lead)?.[0] ?? lead).replace(/[.!]$/, "").trim();
  if (sentence.length <= maxLength) return sentence;
  const cut = sentence.slice(0, maxLength + 1);
  const boundary = cut.lastIndexOf(" ");
  const head = (
    boundary > maxLength / 2 ? cut.slice(0, boundary) : cut.slice(0, maxLength)
  ).replace(/[\s,;:—–-]+$/, "");
  return `${head}…`;
}

interface Paragraph {
  lines: string[];
}

/** Groups lines into paragraphs separated by blank lines. */
function paragraphsOf(lines: string[]): Paragraph[] {
  const paragraphs: Paragraph[] = [];
  let current: string[] = [];
  for (const line of lines) {
    if (line === "") {
      if (current.length) paragraphs.push({ lines: current });
      current = [];
    } else current.push(line);
  }
  if (current.length) paragraphs.push({ lines: current });
  return paragraphs;
}

/**
 * Many scrapes separate paragraphs with a single line break, others hard-wrap them. A line that
 * ends a sentence, followed by one that starts a new one, ends a paragraph; a short heading-like
 * line stands alone; other line breaks are wrapping and join.
 */
function splitParagraphs(lines: string[]): string[][] {
  const groups: string[][] = [];
  let current: string[] = [];
  lines.forEach((line, index) => {
    current.push(line);
    const next = lines[index + 1];
    if (next === undefined) return;
    const sentenceEnds = endsSentence(line) && /^[\p{Lu}\p{N}"“‘'([]/u.test(next);
    const headingAlone = current.length === 1 && isHeadingShaped(line, 8);
    // A caption is a paragraph of its own, whatever punctuation it ends with.
    const isCaptionLine = (text: string) => isCaption(text) || CAPTION_PREFIX.test(text);
    const captionEdge = isCaptionLine(line) || (endsSentence(line) && isCaptionLine(next));
    if (sentenceEnds || headingAlone || captionEdge) {
      groups.push(current);
      current = [];
    }
  });
  if (current.length > 0) groups.push(current);
  return groups;
}

const isBoilerplate = (line: string) =>
  BOILERPLATE_LINE.some((re) => re.test(line)) || MEDIA_IDS.test(line) || LEGAL_FOOTNOTE.test(line);

export function cleanRawArticle(raw: string): CleanArticle {
  const removed: string[] = [];
  let lines = normaliseRaw(raw);

  // Header zone: the first few non-empty lines may hold the date stamp and widget labels.
  let date: string | null = null;
  let dateEvidence: string | null = null;
  const rawLines = raw
    .replace(/^\uFEFF/, "")
    .replace(/\r\n?/g, "\n")
    .split("\n");
  let seen = 0;
  for (let i = 0; i < lines.length && seen < 5; i += 1) {
    const line = lines[i] ?? "";
    if (line === "") continue;
    seen += 1;
    const parsed = parseHeaderDate(line);
    if (parsed) {
      date = parsed;
      dateEvidence = rawLines[i] ?? line;
      removed.push(line);
      lines[i] = "";
      break;
    }
  }

  let sourceTags: string[] = [];
  lines = lines.map((line) => {
    if (line !== "" && TAGS_PREFIX.test(line)) {
      const tags = parseTagsLine(line);
      if (tags) {
        sourceTags = [...new Set([...sourceTags, ...tags])];
        removed.push(line);
        return "";
      }
    }
    if (line !== "" && isBoilerplate(line)) {
      removed.push(line);
      return "";
    }
    return line;
  });

  // Trailer: a tags line and a run of related-link headlines after the last paragraph.
  const paragraphs = paragraphsOf(lines);
  const last = paragraphs.at(-1);
  if (last && last.lines.length >= 2) {
    const kept: string[] = [];
    let trailer = true;
    for (let i = last.lines.length - 1; i >= 0; i -= 1) {
      const line = last.lines[i] ?? "";
      const tags = trailer && sourceTags.length === 0 ? parseTagsLine(line) : null;
      if (tags) {
        sourceTags = tags;
        removed.push(line);
      } else if (trailer && isLinkHeadline(line)) {
        removed.push(line);
      } else {
        trailer = false;
        kept.unshift(line);
      }
    }
    // A real paragraph left over means the run was prose after all: keep it whole.
    if (kept.length > 0 && kept.length < last.lines.length && !endsSentence(kept.at(-1) ?? "")) {
      removed.splice(removed.length - (last.lines.length - kept.length));
      sourceTags = [];
    } else {
      last.lines = kept;
    }
  } else if (last && last.lines.length === 1) {
    const tags = parseTagsLine(last.lines[0] ?? "");
    if (tags && paragraphs.length > 1) {
      sourceTags = tags;
      removed.push(last.lines[0] ?? "");
      last.lines = [];
    }
  }

  const blocks: Block[] = [];
  let source: string | null = null;
  let dateline: string | null = null;
  const flat = paragraphs.flatMap((p) => (p.lines.length ? splitParagraphs(p.lines) : []));
  flat.forEach((paragraphLines, index) => {
    // A short capitalised line followed by prose is a subheading, even without a blank line after it.
    let rest = paragraphLines;
    while (rest.length > 1 && isHeadingShaped(rest[0] ?? "", 8)) {
      blocks.push({ kind: "heading", text: rest[0] ?? "" });
      rest = rest.slice(1);
    }
    const text = rest.join(" ");
    const next = flat[index + 1];
    if (
      rest.length === 1 &&
      isHeadingShaped(text, 8) &&
      next &&
      !isHeadingShaped(next.join(" "), 8)
    ) {
      blocks.push({ kind: "heading", text });
    } else if (rest.length === 1 && CAPTION_PREFIX.test(text)) {
      blocks.push({ kind: "caption", text: text.replace(CAPTION_PREFIX, "") });
    } else if (rest.length === 1 && isCaption(text)) {
      blocks.push({ kind: "caption", text });
    } else {
      blocks.push({ kind: "paragraph", text });
    }
  });

  // The outlet's own headline, when the text opens with one: a single short line without a
  // sentence ending, followed by prose.
  let title: string | null = null;
  const first = blocks[0];
  if (
    first &&
    (first.kind === "heading" || first.kind === "paragraph") &&
    isHeadlineShaped(first.text) &&
    blocks[1]?.kind === "paragraph" &&
    flat[0]?.length === 1
  ) {
    title = first.text;
    blocks.shift();
  }

  const lead = blocks.find((b) => b.kind === "paragraph");
  if (lead) {
    const split = splitDateline(lead.text);
    if (split) {
      dateline = split.place;
      source = split.source;
      removed.push(lead.text.slice(0, lead.text.length - split.rest.length).trim());
      lead.text = split.rest;
    }
  }

  const derived = lead ? headlineFromLead(lead.text) : (blocks[0]?.text ?? "");
  return {
    title: title ?? derived,
    titleFromText: title !== null,
    date,
    dateEvidence,
    source,
    dateline,
    sourceTags,
    blocks: blocks.filter((b) => b.text.trim() !== ""),
    removed,
  };
}
