export {
  type BuildOptions,
  type BuildSummary,
  buildSite,
  formatBuildSummary,
  PACKAGE_ROOT,
} from "./build.ts";
export { loadSiteConfig, type SiteConfig, siteConfigSchema } from "./config.ts";
export { getProject, loadedProject, type Project, useProjectRoot } from "./project.ts";
export { preview, serve } from "./serve.ts";
