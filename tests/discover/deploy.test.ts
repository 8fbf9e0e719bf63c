import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadSiteConfig } from "../../src/site/config.ts";

const REPO = path.resolve(import.meta.dirname, "..", "..");

interface Step {
  id?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}

describe("GitHub Pages workflow", () => {
  it("builds on Node 20 with npm ci and the Pages origin and folder, then deploys dist/", async () => {
    const workflow = parse(
      await readFile(path.join(REPO, ".github", "workflows", "deploy.yml"), "utf8"),
    ) as {
      permissions: Record<string, string>;
      jobs: Record<string, { needs?: string; steps: Step[] }>;
    };
    expect(workflow.permissions).toMatchObject({ pages: "write", "id-token": "write" });
    const build = workflow.jobs.build?.steps ?? [];
    const index = (match: (s: Step) => boolean) => build.findIndex(match);
    const node = build.find((s) => s.uses?.startsWith("actions/setup-node@"));
    expect(node?.with?.["node-version"]).toBe(20);
    const pages = build.find((s) => s.uses?.startsWith("actions/configure-pages@"));
    const buildStep = build.find((s) => s.run === "npm run build");
    expect(buildStep?.env).toEqual({
      SITE_URL: `\${{ steps.${pages?.id}.outputs.origin }}`,
      PATH_PREFIX: `\${{ steps.${pages?.id}.outputs.base_path }}`,
    });
    expect(index((s) => s.run === "npm ci")).toBeLessThan(index((s) => s.run === "npm run build"));
    const upload = build.find((s) => s.uses?.startsWith("actions/upload-pages-artifact@"));
    expect(upload?.with?.path).toBe("dist");
    expect(index((s) => s === upload)).toBeGreaterThan(index((s) => s === buildStep));
    expect(workflow.jobs.deploy?.needs).toBe("build");
    expect(
      workflow.jobs.deploy?.steps.some((s) => s.uses?.startsWith("actions/deploy-pages@")),
    ).toBe(true);
  });

  it("relies on a site config that accepts the folder as configure-pages gives it", async () => {
    const root = await mkdtemp(path.join(tmpdir(), "discover-deploy-"));
    try {
      const env = (prefix: string) => ({
        SITE_URL: "https://owner.github.io",
        PATH_PREFIX: prefix,
      });
      expect((await loadSiteConfig(root, env("/news-archive"))).pathPrefix).toBe("/news-archive/");
      expect((await loadSiteConfig(root, env("/news-archive/"))).pathPrefix).toBe("/news-archive/");
      expect((await loadSiteConfig(root, env("/"))).pathPrefix).toBe("/");
      expect((await loadSiteConfig(root, env(""))).pathPrefix).toBe("/");
      expect((await loadSiteConfig(root, env("/"))).url).toBe("https://owner.github.io");
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
