import { h } from "preact";
import { describe, expect, it } from "vitest";
import configure from "../../.eleventy.ts";

type Render = (
  this: { defaultRenderer(data: unknown): Promise<unknown> },
  data: unknown,
) => unknown;

/** The render function `.eleventy.ts` registers for `*.11ty.tsx` templates. */
function templateRenderer(): Render {
  let compile: (() => Render) | undefined;
  configure({
    addExtension: (_extensions, options) => {
      compile = options.compile as () => Render;
    },
    setTemplateFormats: () => {},
    addPassthroughCopy: () => {},
    addGlobalData: () => {},
    setQuietMode: () => {},
  });
  if (!compile) throw new Error(".eleventy.ts registered no template extension");
  return compile();
}

describe(".eleventy.ts", () => {
  const render = templateRenderer();
  const renderOf = (output: unknown) => render.call({ defaultRenderer: async () => output }, {});

  it("renders a component to an escaped HTML document, handed to Eleventy as UTF-8 bytes", async () => {
    // Bytes rather than a string keep every page of an Eleventy run out of V8's heap.
    const page = await renderOf(h("p", { title: "“a” & b" }, "<script>x</script> – é"));
    expect(Buffer.isBuffer(page)).toBe(true);
    expect((page as Buffer).toString("utf8")).toBe(
      '<!DOCTYPE html>\n<p title="“a” &amp; b">&lt;script>x&lt;/script> – é</p>',
    );
  });

  it("passes a template's own text (feeds, data files) through as its bytes", async () => {
    const page = await renderOf('{"title":"Kabul – “news”"}\n');
    expect(Buffer.isBuffer(page)).toBe(true);
    expect((page as Buffer).toString("utf8")).toBe('{"title":"Kabul – “news”"}\n');
  });
});
