import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { packMentions, unpackMentions } from "../../src/archive/work.ts";
import { type Mention, mentionViaSchema } from "../../src/knowledge/index.ts";

const mention = fc.record<Mention>({
  entityId: fc.constantFrom("nato", "jens-stoltenberg", "kabul", "zalmay-khalilzad"),
  start: fc.nat(100_000),
  end: fc.nat(100_000),
  // Any text: surfaces with astral characters, quotes and separators must come back whole.
  surface: fc.string({ unit: "binary", maxLength: 40 }),
  via: fc.constantFrom(...mentionViaSchema.options),
});

describe("the packed mention table", () => {
  it("gives back every mention, in order, as the analysis found it", () => {
    fc.assert(
      fc.property(fc.array(mention, { maxLength: 60 }), (mentions) => {
        expect([...unpackMentions(packMentions(mentions))]).toEqual(mentions);
      }),
    );
  });

  it("keeps each entity id once and five numbers per mention", () => {
    const table = packMentions([
      { entityId: "nato", start: 0, end: 4, surface: "NATO", via: "name" },
      { entityId: "kabul", start: 10, end: 15, surface: "Kabul", via: "name" },
      { entityId: "nato", start: 20, end: 35, surface: "the alliance’s", via: "description" },
    ]);
    expect(table.entityIds).toEqual(["nato", "kabul"]);
    expect(table.cells.length).toBe(15);
    expect(table.surfaces).toBe("NATOKabulthe alliance’s");
  });
});
