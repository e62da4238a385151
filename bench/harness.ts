import { writeFile } from "node:fs/promises";

/** One measured figure, as printed and as written by `npm run bench -- --json <file>`. */
export interface BenchFigure {
  name: string;
  value: number;
  unit: string;
  /** For comparisons: this figure divided by the baseline it is measured against. */
  ratio?: number;
  /** The goal the ratio (or the value, when there is no ratio) is held to, e.g. ">= 20". */
  goal?: string;
}

/**
 * BENCH_SMOKE=1 runs every suite at toy sizes, as test/bench/smoke.test.ts does in `npm test`: so that a change that
 * breaks a benchmark (its workers failing every message, a figure no longer measured) is seen in CI, where the
 * benchmarks themselves do not run. Its figures say nothing about performance.
 */
export const SMOKE = process.env.BENCH_SMOKE === "1";

/** `full`, or `smoke` under BENCH_SMOKE. */
export function benchSize(full: number, smoke: number): number {
  return SMOKE ? smoke : full;
}

export interface BenchSuite {
  name: string;
  run(): Promise<BenchFigure[]>;
}

export interface Throughput {
  opsPerSecond: number;
  iterations: number;
}

/**
 * Calls `operation` in batches until about `durationMs` has passed, after a warm-up of the same length
 * (so the JIT has optimised it), and returns calls per second.
 */
export function measureThroughput(
  operation: () => void,
  durationMs = benchSize(1000, 100),
  batch = 1000,
): Throughput {
  const runFor = (ms: number): Throughput => {
    let iterations = 0;
    const startedAt = process.hrtime.bigint();
    const deadline = startedAt + BigInt(Math.round(ms * 1e6));
    let now = startedAt;
    while (now < deadline) {
      for (let i = 0; i < batch; i++) operation();
      iterations += batch;
      now = process.hrtime.bigint();
    }
    const seconds = Number(now - startedAt) / 1e9;
    return { opsPerSecond: iterations / seconds, iterations };
  };
  runFor(durationMs / 2);
  return runFor(durationMs);
}

/** The goal text ">= 20" or "<= 5" held against a value. */
export function meetsGoal(value: number, goal: string): boolean {
  const match = /^(>=|<=|>|<)\s*(-?\d+(?:\.\d+)?)$/.exec(goal.trim());
  if (!match) return false;
  const bound = Number(match[2]);
  switch (match[1]) {
    case ">=":
      return value >= bound;
    case "<=":
      return value <= bound;
    case ">":
      return value > bound;
    default:
      return value < bound;
  }
}

function formatNumber(value: number): string {
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString("en-US");
  return value.toFixed(2);
}

/** A plain-text table of suites and figures, one line per figure. */
export function formatFigureTable(
  results: readonly { suite: string; figures: readonly BenchFigure[] }[],
): string {
  const rows = [["suite", "figure", "value", "unit", "ratio", "goal", "met"]];
  for (const { suite, figures } of results) {
    for (const figure of figures) {
      const judged = figure.ratio ?? figure.value;
      rows.push([
        suite,
        figure.name,
        formatNumber(figure.value),
        figure.unit,
        figure.ratio === undefined ? "" : formatNumber(figure.ratio),
        figure.goal ?? "",
        figure.goal === undefined ? "" : meetsGoal(judged, figure.goal) ? "yes" : "NO",
      ]);
    }
  }
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? "").length)));
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** Runs the suites one after another, prints the table, and writes the figures as JSON when asked. */
export async function runSuites(
  suites: readonly BenchSuite[],
  jsonPath: string | undefined,
): Promise<BenchFigure[]> {
  const results: { suite: string; figures: BenchFigure[] }[] = [];
  for (const suite of suites) {
    const figures = await suite.run();
    results.push({ suite: suite.name, figures });
  }
  console.log(formatFigureTable(results));
  const all = results.flatMap((result) =>
    result.figures.map((figure) => ({ ...figure, name: `${result.suite}: ${figure.name}` })),
  );
  if (jsonPath !== undefined) await writeFile(jsonPath, `${JSON.stringify(all, null, 2)}\n`);
  return all;
}
