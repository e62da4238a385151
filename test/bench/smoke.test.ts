import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";

/**
 * Every benchmark suite, end to end at toy sizes (BENCH_SMOKE=1, bench/harness.ts): CI does not run `npm run bench`,
 * and a benchmark broken by a change (once, its workers failed every message and no run was POSTed) must not go
 * unseen. What is checked is that each suite runs and measures what it names; never how fast anything is.
 */

interface Figure {
  name: string;
  value: number;
  unit: string;
  ratio?: number;
  goal?: string;
}

const SUITES = ["recurrence", "scheduling", "timing", "datastore", "blob-events"];

async function runBenchSmoke(jsonPath: string): Promise<{ code: number | null; output: string }> {
  const tsx = path.resolve("node_modules/.bin/tsx");
  const child = spawn(tsx, ["bench/run.ts", "--json", jsonPath], {
    env: { ...process.env, BENCH_SMOKE: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  return { code, output };
}

function figure(figures: readonly Figure[], pattern: RegExp): Figure & { match: RegExpExecArray } {
  for (const candidate of figures) {
    const match = pattern.exec(candidate.name);
    if (match !== null) return { ...candidate, match };
  }
  throw new Error(`no figure matches ${String(pattern)} among:\n${figures.map((f) => f.name).join("\n")}`);
}

describe("npm run bench, at toy sizes", () => {
  it("runs every suite and measures each figure it names", { timeout: 600_000 }, async () => {
    const folder = await mkdtemp(path.join(os.tmpdir(), "bench-smoke-"));
    try {
      const jsonPath = path.join(folder, "figures.json");
      const { code, output } = await runBenchSmoke(jsonPath);
      expect(code, output.slice(-4000)).toBe(0);
      const figures = JSON.parse(await readFile(jsonPath, "utf8")) as Figure[];

      for (const suite of SUITES)
        expect(
          figures.some((f) => f.name.startsWith(`${suite}: `)),
          suite,
        ).toBe(true);
      for (const { name, value, ratio } of figures) {
        expect(Number.isFinite(value), name).toBe(true);
        if (ratio !== undefined) expect(Number.isFinite(ratio), name).toBe(true);
      }
      // Each occurrence of the fire-lag window was POSTed once, and none of the burst left before its instant.
      const lag = figure(figures, /^timing: fire lag, .*\((\d+) POSTs of (\d+) occurrences\)/);
      expect(Number(lag.match[1])).toBeGreaterThan(0);
      expect(lag.match[1]).toBe(lag.match[2]);
      expect(figure(figures, /^timing: burst, POSTs that left before their instant/).value).toBe(0);
      expect(figure(figures, /^timing: storage requests per fired run/).value).toBeGreaterThan(1);
      // The folder checks fired each changed blob once.
      const changed = Number(figure(figures, /^datastore: check of \d+ blobs, (\d+) changed/).match[1]);
      const runs = figure(figures, /^datastore: runs created by (\d+) checks/);
      expect(runs.value).toBe(changed * Number(runs.match[1]));
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});
