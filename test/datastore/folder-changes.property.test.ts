import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  baselineCursor,
  baselineFromListing,
  detectFolderChanges,
  type FolderCursor,
  type ListedBlob,
} from "../../src/datastore/folder-changes.js";

/**
 * A simulated blob folder with a service clock: blobs are committed (Last-Modified in whole seconds, as the
 * service gives it) and deleted while checks page through the listing in name order, so a commit between pages
 * shows only when its name sorts after the page already read. The rules of CONTRACT 2.3 must hold whatever the
 * interleaving: every version of a blob that a listing could see fires exactly once, unless it is baseline.
 */

const ACTIVATED_MS = Date.parse("2026-11-21T10:00:00.000Z");
/** Small enough that the simulated times cross it often; it must exceed the first page's time in flight + 1 s. */
const MARGIN_MS = 3_000;
const NAMES = ["a", "b", "c", "d", "e", "f", "g", "h"];

type Step =
  | { kind: "wait"; ms: number }
  | { kind: "upload"; name: string }
  | { kind: "delete"; name: string }
  | { kind: "check"; pageSize: number; firstPageMs: number; betweenPages: Step[][] };

const nameArb = fc.constantFrom(...NAMES);
const mutationArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant("wait" as const), ms: fc.integer({ min: 0, max: 2_500 }) }),
  fc.record({ kind: fc.constant("upload" as const), name: nameArb }),
  fc.record({ kind: fc.constant("upload" as const), name: nameArb }),
  fc.record({ kind: fc.constant("delete" as const), name: nameArb }),
);
const checkArb: fc.Arbitrary<Step> = fc.record({
  kind: fc.constant("check" as const),
  pageSize: fc.integer({ min: 1, max: 4 }),
  firstPageMs: fc.integer({ min: 0, max: 1_500 }),
  betweenPages: fc.array(fc.array(mutationArb, { maxLength: 4 }), { maxLength: 8 }),
});
const stepsArb = fc.array(fc.oneof(mutationArb, mutationArb, checkArb), { minLength: 1, maxLength: 60 });

interface Version {
  etag: string;
  lastModifiedMs: number;
}

class SimulatedFolder {
  nowMs: number;
  readonly blobs = new Map<string, Version>();
  /** Uploads so far; the n-th upload's ETag is n in hex, so a version tells when it was committed. */
  etags = 0;

  constructor(startMs: number) {
    this.nowMs = startMs;
  }

  apply(step: Step): void {
    if (step.kind === "wait") this.nowMs += step.ms;
    else if (step.kind === "upload") {
      this.nowMs += 7;
      this.blobs.set(step.name, {
        etag: `0x${(++this.etags).toString(16)}`,
        lastModifiedMs: Math.floor(this.nowMs / 1000) * 1000,
      });
    } else if (step.kind === "delete") this.blobs.delete(step.name);
  }

  /** A paged listing with mutations between pages; the Date header is the first page's answer time. */
  list(check: Extract<Step, { kind: "check" }>): { blobs: ListedBlob[]; serviceTimeMs: number } {
    const listed: ListedBlob[] = [];
    let after = "";
    let serviceTimeMs: number | undefined;
    for (let page = 0; ; page++) {
      const names = [...this.blobs.keys()].filter((name) => name > after).sort();
      const pageNames = names.slice(0, check.pageSize);
      for (const name of pageNames) {
        const version = this.blobs.get(name) as Version;
        listed.push({ name, ...version });
      }
      if (serviceTimeMs === undefined) {
        this.nowMs += check.firstPageMs;
        serviceTimeMs = this.nowMs;
      }
      if (names.length <= check.pageSize) break;
      after = pageNames[pageNames.length - 1] as string;
      for (const step of check.betweenPages[page] ?? []) this.apply(step);
    }
    return { blobs: listed, serviceTimeMs };
  }
}

interface Outcome {
  fired: string[];
  /** Versions a listing showed, and those the folder holds at the end. */
  observed: Map<string, number>;
  cursors: FolderCursor[];
}

function simulate(baselineNames: readonly string[], steps: readonly Step[]): Outcome {
  const folder = new SimulatedFolder(ACTIVATED_MS - 5_000);
  for (const name of baselineNames) folder.apply({ kind: "upload", name });
  folder.nowMs = ACTIVATED_MS + 13;
  return runChecks(folder, baselineCursor(new Date(ACTIVATED_MS).toISOString()), steps);
}

/** The steps from `start` on, then quiet checks once the margin has passed. */
function runChecks(folder: SimulatedFolder, start: FolderCursor, steps: readonly Step[]): Outcome {
  let cursor = start;
  const fired: string[] = [];
  const observed = new Map<string, number>();
  const cursors: FolderCursor[] = [];
  const check = (step: Extract<Step, { kind: "check" }>) => {
    const listing = folder.list(step);
    for (const blob of listing.blobs) observed.set(`${blob.name}@${blob.etag}`, blob.lastModifiedMs);
    const { changes, next } = detectFolderChanges(cursor, listing, MARGIN_MS);
    fired.push(...changes.map((change) => `${change.path}@${change.etag}`));
    cursor = next;
    cursors.push(next);
  };
  for (const step of steps) {
    if (step.kind === "check") check(step);
    else folder.apply(step);
  }
  // Quiet checks after the margin has passed: whatever a busy listing missed must be caught now.
  folder.nowMs += MARGIN_MS + 2_000;
  check({ kind: "check", pageSize: 3, firstPageMs: 0, betweenPages: [] });
  folder.nowMs += MARGIN_MS + 2_000;
  check({ kind: "check", pageSize: 3, firstPageMs: 0, betweenPages: [] });
  for (const [name, version] of folder.blobs) observed.set(`${name}@${version.etag}`, version.lastModifiedMs);
  return { fired, observed, cursors };
}

describe("detectFolderChanges over a folder changing while it is listed", () => {
  it("fires every version a listing could see exactly once, and never the baseline", () => {
    fc.assert(
      fc.property(fc.uniqueArray(nameArb, { maxLength: 5 }), stepsArb, (baselineNames, steps) => {
        const { fired, observed } = simulate(baselineNames, steps);
        expect(new Set(fired).size).toBe(fired.length);
        const expected = [...observed]
          .filter(([, lastModifiedMs]) => lastModifiedMs >= ACTIVATED_MS)
          .map(([version]) => version)
          .sort();
        expect([...fired].sort()).toEqual(expected);
      }),
      { numRuns: 400 },
    );
  });

  it("keeps no more fingerprints than the listing holds above the new watermark", () => {
    fc.assert(
      fc.property(stepsArb, (steps) => {
        const { cursors } = simulate([], steps);
        for (const cursor of cursors) expect(cursor.seen.length).toBeLessThanOrEqual(NAMES.length);
        const last = cursors[cursors.length - 1] as FolderCursor;
        // After the quiet period every blob is below the watermark: the state is empty, whatever the folder holds.
        expect(last.seen).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  it("would miss a commit between pages without the margin: the margin is what the guarantee rests on", () => {
    // "a" is committed between the pages, in the second of the first page's Date, behind the page already read.
    const steps: Step[] = [
      { kind: "upload", name: "b" },
      { kind: "upload", name: "c" },
      { kind: "wait", ms: 5_000 },
      {
        kind: "check",
        pageSize: 1,
        firstPageMs: 100,
        betweenPages: [
          [
            { kind: "wait", ms: 400 },
            { kind: "upload", name: "a" },
          ],
        ],
      },
      { kind: "wait", ms: 10_000 },
      { kind: "check", pageSize: 5, firstPageMs: 0, betweenPages: [] },
    ];
    const firedWith = (marginMs: number): string[] => {
      const folder = new SimulatedFolder(ACTIVATED_MS + 13);
      let cursor = baselineCursor(new Date(ACTIVATED_MS).toISOString());
      const fired: string[] = [];
      for (const step of steps) {
        if (step.kind !== "check") {
          folder.apply(step);
          continue;
        }
        const result = detectFolderChanges(cursor, folder.list(step), marginMs);
        fired.push(...result.changes.map((change) => change.path));
        cursor = result.next;
      }
      return fired;
    };
    expect(firedWith(0)).toEqual(["b", "c"]);
    expect(firedWith(MARGIN_MS)).toEqual(["b", "c", "a"]);
  });

  it("an activation that lists the folder fires nothing committed before it and all after it, in its second too", () => {
    // Uploads a few milliseconds apart, so that the activation's second holds some of them and later ones.
    const quickArb: fc.Arbitrary<Step> = fc.oneof(
      fc.record({ kind: fc.constant("wait" as const), ms: fc.integer({ min: 0, max: 150 }) }),
      fc.record({ kind: fc.constant("upload" as const), name: nameArb }),
      fc.record({ kind: fc.constant("delete" as const), name: nameArb }),
    );
    const listingArb = fc.record({
      kind: fc.constant("check" as const),
      pageSize: fc.integer({ min: 1, max: 4 }),
      firstPageMs: fc.integer({ min: 0, max: 300 }),
      betweenPages: fc.array(fc.array(quickArb, { maxLength: 3 }), { maxLength: 8 }),
    });
    const etagNumber = (version: string) => Number.parseInt(version.slice(version.indexOf("@0x") + 3), 16);
    let sameSecondRuns = 0;
    fc.assert(
      fc.property(
        fc.array(quickArb, { maxLength: 12 }),
        listingArb,
        fc.array(quickArb, { maxLength: 8 }),
        stepsArb,
        (before, activation, justAfter, later) => {
          const folder = new SimulatedFolder(ACTIVATED_MS + 200);
          for (const step of before) folder.apply(step);
          const committedBefore = folder.etags;
          const activatedAt = new Date(Math.floor(folder.nowMs / 1000) * 1000).toISOString();
          const baseline = baselineFromListing(
            { activatedAt, activationId: "a1" },
            folder.list(activation),
            MARGIN_MS,
          );
          const committedDuring = folder.etags;
          const { fired, observed } = runChecks(folder, baseline, [...justAfter, ...later]);

          expect(new Set(fired).size).toBe(fired.length);
          expect(fired.filter((version) => etagNumber(version) <= committedBefore)).toEqual([]);
          const after = [...observed.keys()].filter((version) => etagNumber(version) > committedDuring);
          expect(after.filter((version) => !fired.includes(version))).toEqual([]);
          expect(fired.filter((version) => !observed.has(version))).toEqual([]);

          const secondOf = (version: string) => Math.floor((observed.get(version) ?? 0) / 1000);
          const beforeSeconds = [...observed.keys()].filter(
            (version) => etagNumber(version) <= committedBefore,
          );
          if (beforeSeconds.some((version) => after.some((other) => secondOf(other) === secondOf(version)))) {
            sameSecondRuns++;
          }
        },
      ),
      { numRuns: 400 },
    );
    // The runs must include the case whole seconds make hard: a version before and one after in one second.
    expect(sameSecondRuns).toBeGreaterThan(20);
  });
});
