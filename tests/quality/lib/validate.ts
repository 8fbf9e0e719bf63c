import { readFile } from "node:fs/promises";
import path from "node:path";
import { type ConfigData, HtmlValidate } from "html-validate";
import { listFiles } from "../../helpers/site.ts";

/** One html-validate error: page (path inside the built folder), position, rule and message. */
export interface HtmlProblem {
  page: string;
  line: number;
  column: number;
  rule: string;
  message: string;
  selector: string | null;
}

const CONFIG_FILE = path.join(import.meta.dirname, "..", "htmlvalidate.json");

async function loadConfig(): Promise<ConfigData> {
  const file = JSON.parse(await readFile(CONFIG_FILE, "utf8")) as { config: ConfigData };
  return file.config;
}

/** Validates every HTML page of a built folder with html-validate:recommended (see htmlvalidate.json). */
export async function validateHtml(siteDir: string): Promise<HtmlProblem[]> {
  const validator = new HtmlValidate(await loadConfig());
  const problems: HtmlProblem[] = [];
  for (const page of (await listFiles(siteDir)).filter((f) => f.endsWith(".html"))) {
    const report = await validator.validateString(
      await readFile(path.join(siteDir, page), "utf8"),
      page,
    );
    for (const result of report.results) {
      for (const m of result.messages) {
        problems.push({
          page,
          line: m.line,
          column: m.column,
          rule: m.ruleId,
          message: m.message,
          selector: m.selector,
        });
      }
    }
  }
  return problems;
}

export const formatHtmlProblem = (p: HtmlProblem): string =>
  `${p.page}:${p.line}:${p.column} ${p.rule}: ${p.message}${p.selector ? ` (${p.selector})` : ""}`;
