import dayjs from "dayjs";
import customParseFormat from "dayjs/plugin/customParseFormat.js";

dayjs.extend(customParseFormat);

/**
 * Dates in scraped headers come in many shapes ("13:15 GMT27 July 2021", "Updated Aug. 26, 2021
 * 4:05 pm ET", "16/08/2021"). Each shape below finds candidates; dayjs in strict mode decides
 * whether a candidate is a real calendar day, so "29 February 2021" is refused, not rolled over.
 */

const MONTH =
  "(Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)";

interface Shape {
  pattern: RegExp;
  toCandidates(match: RegExpExecArray): { text: string; formats: string[] }[];
}

const monthName = (raw: string) => {
  const trimmed = raw.replace(/\.$/, "");
  // dayjs knows "Sep" and "September" but not the common "Sept".
  return trimmed === "Sept" ? "Sep" : trimmed;
};
const monthFormats = (name: string) => (name.length <= 3 ? ["MMM"] : ["MMMM"]);

const SHAPES: Shape[] = [
  {
    // 2021-04-14, 2021-08-16T09:12:00Z, 2021/08/16
    pattern: /(?<!\d)(\d{4})[-/](\d{2})[-/](\d{2})(?!\d)/,
    toCandidates: (m) => [{ text: `${m[1]}-${m[2]}-${m[3]}`, formats: ["YYYY-MM-DD"] }],
  },
  {
    // 27 July 2021, GMT27 July 2021, Monday, 16 August 2021, 16 Aug. 2021
    pattern: new RegExp(
      `(?<!\\d)(\\d{1,2})(?:st|nd|rd|th)?\\s+${MONTH}\\.?,?\\s+(\\d{4})(?!\\d)`,
      "i",
    ),
    toCandidates: (m) => {
      const name = monthName(m[2] ?? "");
      return [
        {
          text: `${Number(m[1])} ${name} ${m[3]}`,
          formats: monthFormats(name).map((f) => `D ${f} YYYY`),
        },
      ];
    },
  },
  {
    // November 30, 2019; Aug. 26, 2021
    pattern: new RegExp(`${MONTH}\\.?\\s+(\\d{1,2})(?:st|nd|rd|th)?,?\\s+(\\d{4})(?!\\d)`, "i"),
    toCandidates: (m) => {
      const name = monthName(m[1] ?? "");
      return [
        {
          text: `${name} ${Number(m[2])} ${m[3]}`,
          formats: monthFormats(name).map((f) => `${f} D YYYY`),
        },
      ];
    },
  },
  {
    // 16/08/2021, 16.08.2021, 08/16/2021: day first unless that cannot be (month > 12).
    pattern: /(?<!\d)(\d{1,2})[./](\d{1,2})[./](\d{4})(?!\d)/,
    toCandidates: (m) => {
      // Strict parsing compares against the re-formatted date, so leading zeros must go first.
      const text = `${Number(m[1])}/${Number(m[2])}/${m[3]}`;
      return [
        { text, formats: ["D/M/YYYY"] },
        { text, formats: ["M/D/YYYY"] },
      ];
    },
  },
];

/** The first real calendar day found in `text`, as YYYY-MM-DD, or null. */
export function findDate(text: string): { date: string; index: number; length: number } | null {
  let best: { date: string; index: number; length: number } | null = null;
  for (const shape of SHAPES) {
    const match = shape.pattern.exec(text);
    if (!match) continue;
    if (best && best.index <= match.index) continue;
    for (const candidate of shape.toCandidates(match)) {
      const parsed = dayjs(candidate.text, candidate.formats, "en", true);
      if (parsed.isValid()) {
        best = { date: parsed.format("YYYY-MM-DD"), index: match.index, length: match[0].length };
        break;
      }
    }
  }
  return best;
}

const HEADER_WORDS =
  /\b(date|dated|published|posted|updated|last|on|at|first|modified|am|pm|gmt|utc|et|edt|est|bst|cet|cest|pst|ist|mon|tue|wed|thu|fri|sat|sun)[a-z]*\b/gi;

/**
 * The date of a header line, or null when the line is not a date header. A header is short and
 * little but a date: "Published: 29 February 2020" qualifies, a sentence mentioning a date does not.
 */
export function parseHeaderDate(line: string): string | null {
  const trimmed = line.trim();
  if (trimmed.length === 0 || trimmed.length > 100) return null;
  const found = findDate(trimmed);
  if (!found) return null;
  const rest = `${trimmed.slice(0, found.index)} ${trimmed.slice(found.index + found.length)}`
    .replace(/\([^)]*\)/g, " ")
    .replace(HEADER_WORDS, " ")
    .replace(/T?\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?/g, " ")
    .replace(/[^\p{L}]+/gu, " ")
    .trim();
  const leftoverWords = rest === "" ? 0 : rest.split(/\s+/).length;
  return leftoverWords <= 2 ? found.date : null;
}
