import { parseArgs } from "node:util";
import { blobEventsSuite } from "./blob-events.js";
import { datastoreSuite } from "./datastore.js";
import { runSuites, type BenchSuite } from "./harness.js";
import { recurrenceSuite } from "./recurrence.js";
import { schedulingSuite } from "./scheduling.js";
import { timingSuite } from "./timing.js";

/** Add a suite here to have `npm run bench` run it. */
const suites: BenchSuite[] = [recurrenceSuite, schedulingSuite, timingSuite, datastoreSuite, blobEventsSuite];

const { values } = parseArgs({ options: { json: { type: "string" }, only: { type: "string" } } });
const chosen = values.only === undefined ? suites : suites.filter((suite) => suite.name === values.only);
if (chosen.length === 0) throw new Error(`No benchmark suite named ${values.only}`);
await runSuites(chosen, values.json);
