import { parseArgs } from "node:util";
import { runSuites, type BenchSuite } from "./harness.js";
import { recurrenceSuite } from "./recurrence.js";

/** Add a suite here to have `npm run bench` run it. */
const suites: BenchSuite[] = [recurrenceSuite];

const { values } = parseArgs({ options: { json: { type: "string" } } });
await runSuites(suites, values.json);
