// Placeholder until the site stage lands.
export interface BuildOptions {
  root: string;
  outDir: string;
  quiet: boolean;
}
export interface BuildSummary {
  articles: number;
  entities: number;
  topics: number;
  pages: number;
  milliseconds: number;
}
export async function buildSite(_options: BuildOptions): Promise<BuildSummary> {
  throw new Error("not implemented yet");
}
export function formatBuildSummary(summary: BuildSummary): string {
  return JSON.stringify(summary);
}
export async function serve(_options: { root: string; port: number }): Promise<number> {
  throw new Error("not implemented yet");
}
export async function preview(_options: { root: string; port: number }): Promise<number> {
  throw new Error("not implemented yet");
}
