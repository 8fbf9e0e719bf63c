import type { Document, Element } from "domhandler";
import { DomUtils, parseDocument } from "htmlparser2";

/** Every element of a parsed document, in document order. */
export function elementsOf(doc: Document): Element[] {
  return DomUtils.findAll(() => true, doc.children);
}

/** The parsed page and a way to pick elements by tag name. */
export function parseHtml(html: string): {
  doc: Document;
  all: Element[];
  byTag: (name: string) => Element[];
  text: (element: Element) => string;
} {
  const doc = parseDocument(html);
  const all = elementsOf(doc);
  return {
    doc,
    all,
    byTag: (name) => all.filter((e) => e.name === name),
    text: (element) => DomUtils.textContent(element),
  };
}
