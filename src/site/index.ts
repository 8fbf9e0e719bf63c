export {
  type BuildOptions,
  type BuildSummary,
  buildSite,
  formatBuildSummary,
  PACKAGE_ROOT,
} from "./build.ts";
export { loadSiteConfig, type SiteConfig, siteConfigSchema } from "./config.ts";
export { type DevBuild, type DevServer, serve, startDevServer } from "./dev.ts";
export { getProject, loadedProject, type Project, useProjectRoot } from "./project.ts";
export { createStaticServer, preview } from "./serve.ts";
