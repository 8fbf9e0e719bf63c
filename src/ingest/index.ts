// Placeholder until the importer lands.
export interface ImportOptions {
  /** Folder the Markdown articles are written to (content/articles). */
  contentDir: string;
  /** Replace articles an editor has changed. */
  force: boolean;
  /** Project root; paths in the report are relative to it. */
  root: string;
}

export interface ImportReport {
  created: string[];
  updated: string[];
  unchanged: string[];
  skipped: { file: string; reason: string }[];
  failed: { file: string; message: string }[];
}

export async function importArticles(
  _inputs: string[],
  _options: ImportOptions,
): Promise<ImportReport> {
  throw new Error("not implemented yet");
}

export function formatImportReport(report: ImportReport): string {
  return JSON.stringify(report);
}
