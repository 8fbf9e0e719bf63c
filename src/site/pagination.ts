/**
 * Long lists are split into pages: /entities/nato/, /entities/nato/page/2/, … so an entity named in
 * thousands of articles gets pages of a configurable size instead of one huge page.
 */

export interface PageOf {
  /** Site path of the list's first page, e.g. /entities/nato/. */
  base: string;
  /** 1-based. */
  number: number;
  count: number;
}

export function pagePath(base: string, number: number): string {
  return number <= 1 ? base : `${base}page/${number}/`;
}

export function pageCount(total: number, size: number): number {
  return Math.max(1, Math.ceil(total / size));
}

/** One descriptor per page of a list of `total` items. */
export function pagesOf(base: string, total: number, size: number): PageOf[] {
  const count = pageCount(total, size);
  return Array.from({ length: count }, (_, i) => ({ base, number: i + 1, count }));
}

export function sliceFor<T>(items: readonly T[], page: PageOf, size: number): T[] {
  return items.slice((page.number - 1) * size, page.number * size);
}
