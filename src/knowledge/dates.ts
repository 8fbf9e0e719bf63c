import type { DatedRole, EstimatedPeriod } from "./schema.ts";

/**
 * What the roles an article mentions say about when it was written. "US Secretary of State Mike
 * Pompeo" puts the text inside Pompeo's term; "Former US President Donald Trump" after Trump's;
 * "new" near the start of a term. An article's header date that falls outside such a period is
 * flagged; an undated article gets the period where the most of them agree as an estimate.
 */

export type RoleModifier = "current" | "former" | "new" | "then";

export interface Period {
  from: string;
  /** null: open-ended. */
  to: string | null;
}

export interface RoleConstraint extends Period {
  /** Who and what, for messages: "Mike Pompeo as US Secretary of State". */
  person: string;
  role: string;
  /** The words in the text, e.g. "new US State Secretary Mike Pompeo". */
  evidence: string;
  /**
   * Where the reference is true: one stretch per term for a person who held the office twice
   * (so a reference between the terms is not covered). `from`/`to` span them all.
   */
  periods: Period[];
  term: { from: string; to: string | null };
}

const FAR_FUTURE = "9999-12-31";
/** News reports events of the last weeks: a title a few weeks past the end of a term is no contradiction. */
const REPORTING_GRACE_DAYS = 31;

function addDays(day: string, days: number): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

function addYears(day: string, years: number): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCFullYear(date.getUTCFullYear() + years);
  return date.toISOString().slice(0, 10);
}

/** The period a role reference implies, or null when it implies none ("then-President"). */
export function constraintOf(
  roles: readonly DatedRole[],
  modifier: RoleModifier,
): (Period & { periods: Period[] }) | null {
  if (roles.length === 0 || modifier === "then") return null;
  const sorted = [...roles].sort((a, b) => a.from.localeCompare(b.from));
  let periods: Period[];
  switch (modifier) {
    case "current":
      periods = sorted.map((r) => ({ from: r.from, to: r.to }));
      break;
    case "new":
      // Newly in office: within the first year of a term.
      periods = sorted.map((r) => ({ from: r.from, to: addYears(r.from, 1) }));
      break;
    case "former":
      // After a term ended and before the next began (or open-ended after the last).
      periods = sorted.flatMap((r) => {
        if (r.to === null) return [];
        const end = r.to;
        const next = sorted.find((other) => other.from >= end);
        return next?.from === end ? [] : [{ from: end, to: next ? next.from : null }];
      });
      break;
  }
  const first = periods[0];
  if (!first) return null;
  const open = periods.some((p) => p.to === null);
  const to = open
    ? null
    : (periods
        .map((p) => p.to as string)
        .sort()
        .at(-1) ?? null);
  return { from: first.from, to, periods };
}

const covers = (p: Period, day: string) => p.from <= day && (p.to === null || day <= p.to);

/** Human-readable day: 2018-04-26 → 26 April 2018. */
export function formatDay(day: string): string {
  const date = new Date(`${day.slice(0, 10)}T00:00:00Z`);
  return date.toLocaleDateString("en-GB", {
    day: "numeric",
    month: "long",
    year: "numeric",
    timeZone: "UTC",
  });
}

function describeTerm(c: RoleConstraint): string {
  return c.term.to ? `from ${c.term.from} to ${c.term.to}` : `from ${c.term.from}`;
}

/** A sentence when the header date contradicts what the roles say, else null. */
export function dateFlag(date: string, constraints: readonly RoleConstraint[]): string | null {
  const day = date.slice(0, 10);
  const broken = constraints.filter(
    (c) =>
      !c.periods.some((p) =>
        covers({ from: p.from, to: p.to && addDays(p.to, REPORTING_GRACE_DAYS) }, day),
      ),
  );
  if (broken.length === 0) return null;
  const reasons = broken
    .slice(0, 3)
    .map(
      (c) =>
        `it calls ${c.person} “${c.evidence}”, but ${c.person} was ${c.role} ${describeTerm(c)}`,
    );
  return `The header date ${formatDay(day)} does not fit the text: ${reasons.join("; ")}.`;
}

/**
 * The period most role references agree on. Each reference is an interval; the estimate is the
 * earliest stretch covered by the largest number of them, so one anachronistic title cannot empty it.
 */
export function estimatePeriod(constraints: readonly RoleConstraint[]): EstimatedPeriod | null {
  if (constraints.length === 0) return null;
  const points = [
    ...new Set(constraints.flatMap((c) => c.periods.flatMap((p) => [p.from, p.to ?? FAR_FUTURE]))),
  ].sort();
  let best: { from: string; to: string; count: number; members: RoleConstraint[] } | null = null;
  for (let i = 0; i < points.length - 1; i += 1) {
    const from = points[i] as string;
    const to = points[i + 1] as string;
    const members = constraints.filter((c) =>
      c.periods.some((p) => p.from <= from && (p.to ?? FAR_FUTURE) >= to),
    );
    if (!best || members.length > best.count) best = { from, to, count: members.length, members };
    else if (members.length === best.count && best.to === from) best.to = to;
  }
  if (!best || best.count === 0) return null;
  // Open-ended evidence ("former President X", a leader still in office) bounds only the start:
  // the estimate then runs to the latest end any reference gives, or a year past its start.
  const finiteEnds = constraints
    .map((c) => c.to)
    .filter((t): t is string => t !== null && t > best.from);
  const to =
    best.to === FAR_FUTURE ? (finiteEnds.sort().at(-1) ?? addYears(best.from, 1)) : best.to;
  return {
    from: best.from,
    to,
    basis: best.members.map((c) => `${c.evidence}: ${c.person} as ${c.role} (${describeTerm(c)})`),
  };
}
