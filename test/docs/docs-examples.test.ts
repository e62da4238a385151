import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { BlobServiceClient } from "@azure/storage-blob";
import { z } from "zod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  fireTimesSchema,
  healthSchema,
  problemSchema,
  scheduleListSchema,
  scheduleSchema,
  triggerPreviewRequestSchema,
} from "../../src/api/api-schemas.js";
import { runListSchema } from "../../src/api/run-routes.js";
import { runWaitSchema } from "../../src/api/submit-routes.js";
import { datastoreListSchema, datastoreSchema } from "../../src/datastore/datastore-record.js";
import { startLocalHost, type RunningLocalHost } from "../../src/host/local/local-host.js";
import { notificationSchema } from "../../src/notifications/notification-payload.js";
import { notifySchema } from "../../src/schedules/notify-schema.js";
import { triggerSchema } from "../../src/recurrence/trigger-schema.js";
import { runSchema } from "../../src/runs/run-record.js";
import { scheduleDefinitionSchema } from "../../src/schedules/schema.js";
import { amlSubmitBodySchema } from "../../src/submit/request-body.js";
import {
  blockProblems,
  directiveOf,
  directivesOf,
  docBlocks,
  headerMatches,
  hostSettingsOf,
  responseDifferences,
  runsHere,
  unfilledPlaceholders,
  valueAtPath,
  type DocBlock,
} from "./markdown-examples.js";
import {
  localize,
  runHttpExample,
  runShellExample,
  type CurlAnswer,
  type ExampleRun,
} from "./run-example.js";

/**
 * The README's and the manual's examples run against a local host started by this test, and answer as the text
 * says (STYLE: docs that are tested). Every block either runs, is checked, or says in its directive why not.
 */

const PAGES = ["README.md", "CONTRIBUTING.md", ...readdirSync("docs").map((name) => `docs/${name}`)]
  .filter((file) => file.endsWith(".md"))
  .sort();

/** The API schemas a `schema:` directive may name, by their OpenAPI names. */
const SCHEMAS: Record<string, z.ZodType> = {
  Trigger: triggerSchema,
  TriggerPreviewRequest: triggerPreviewRequestSchema,
  ScheduleDefinition: scheduleDefinitionSchema,
  Schedule: scheduleSchema,
  ScheduleList: scheduleListSchema,
  FireTimes: fireTimesSchema,
  Run: runSchema,
  RunList: runListSchema,
  RunWait: runWaitSchema,
  PipelineSubmission: amlSubmitBodySchema,
  Datastore: datastoreSchema,
  DatastoreList: datastoreListSchema,
  Health: healthSchema,
  Problem: problemSchema,
  Notify: z.object({ notify: notifySchema }).strict(),
  Notification: notificationSchema,
};

/** A timer that never comes: the examples move time with /dev/tick alone, so that nothing fires behind them. */
const NEVER = "0 0 0 1 1 *";
/** How long an `eventually` block may take to answer as shown: the queue worker polls every 2 s at most. */
const EVENTUALLY_MS = 20_000;
const EXAMPLE_TIMEOUT_MS = 60_000;

const where = (block: DocBlock) => `${block.file}:${block.line}`;

describe.each(PAGES)("%s", (file) => {
  const markdown = readFileSync(file, "utf8");
  const blocks = docBlocks(file, markdown);

  it("says of every block whether it runs, how it is checked, or why it cannot run here", () => {
    expect(blockProblems(blocks)).toEqual([]);
  });

  for (const block of blocks) {
    const checkedBy = directiveOf(block, "checked-by")?.testFile;
    if (checkedBy === undefined) continue;
    it(`leaves the block at ${where(block)} to ${checkedBy}`, () => {
      expect(existsSync(checkedBy), `${checkedBy} exists`).toBe(true);
      expect(readFileSync(checkedBy, "utf8"), `${checkedBy} reads ${file}`).toContain(file);
    });
  }

  for (const block of blocks.filter((candidate) => candidate.language === "json")) {
    const name = directiveOf(block, "schema")?.schemas[0];
    if (name === undefined) continue;
    it(`shows valid JSON at ${where(block)}`, () => {
      const schema = SCHEMAS[name];
      expect(schema, `unknown schema ${name}; known: ${Object.keys(SCHEMAS).join(", ")}`).toBeDefined();
      const parsed = schema?.safeParse(JSON.parse(block.code) as unknown);
      expect(parsed?.error?.issues ?? []).toEqual([]);
    });
  }

  if (!blocks.some(runsHere)) return;

  let host: RunningLocalHost;
  let cwd: string;
  const placeholders = new Map<string, string>();
  let lastAnswer: CurlAnswer | undefined;

  beforeAll(async () => {
    cwd = await mkdtemp(path.join(os.tmpdir(), "doc-host-"));
    host = await startLocalHost({
      port: 0,
      persist: false,
      cwd,
      env: { SCHEDULER_TICK: NEVER, ...hostSettingsOf(markdown, file) },
      log: () => undefined,
    });
  });

  afterAll(async () => {
    await host?.stop();
    await rm(cwd, { recursive: true, force: true });
  });

  /** The JSON a response block shows, with the page's captures for its `<name>` placeholders. */
  const shownResponse = (block: DocBlock): unknown =>
    JSON.parse(localize(block.code, { apiUrl: host.apiUrl, placeholders })) as unknown;

  const run = (block: DocBlock, code: string): Promise<ExampleRun> => {
    const environment = { apiUrl: host.apiUrl, placeholders, timeoutMs: EXAMPLE_TIMEOUT_MS };
    return block.language === "http" ? runHttpExample(code, environment) : runShellExample(code, environment);
  };

  /** Where the answers of a run differ from what the block's directives and the response after it say. */
  const answerProblems = (block: DocBlock, next: DocBlock | undefined, result: ExampleRun): string[] => {
    const statuses = result.answers.map((answer) => answer.status);
    const expected = directiveOf(block, "status")?.statuses;
    const problems: string[] = [];
    if (expected === undefined) {
      const bad = statuses.filter((status) => status < 200 || status > 299);
      if (bad.length > 0) problems.push(`statuses ${JSON.stringify(statuses)}, not all 2xx`);
    } else if (JSON.stringify(statuses) !== JSON.stringify(expected)) {
      problems.push(`statuses ${JSON.stringify(statuses)}, expected ${JSON.stringify(expected)}`);
    }
    const schemas = directiveOf(block, "schema")?.schemas;
    if (schemas !== undefined) {
      if (schemas.length !== result.answers.length)
        problems.push(`"schema" names ${schemas.length} schemas for ${result.answers.length} answers`);
      result.answers.forEach((answer, index) => {
        if (schemas[index] === "-") return;
        const schema = SCHEMAS[schemas[index] ?? ""];
        if (schema === undefined) return problems.push(`unknown schema ${schemas[index]}`);
        const issues = schema.safeParse(parseJson(answer.body)).error?.issues ?? [];
        if (issues.length > 0)
          problems.push(`answer ${index + 1} is no ${schemas[index]}: ${JSON.stringify(issues)}`);
      });
    }
    if (directiveOf(block, "eventually") && next !== undefined && directiveOf(next, "response")) {
      problems.push(...responseDifferences(shownResponse(next), parseJson(result.answers.at(-1)?.body)));
    }
    return problems;
  };

  blocks.forEach((block, index) => {
    const next = blocks[index + 1];
    if (runsHere(block)) {
      it(
        `runs the example at ${where(block)}`,
        async () => {
          const setup = directiveOf(block, "setup");
          if (setup !== undefined) {
            const prepared = await runShellExample(setup.code, {
              apiUrl: host.apiUrl,
              placeholders,
              timeoutMs: EXAMPLE_TIMEOUT_MS,
            });
            expect(prepared.exitCode, prepared.output).toBe(0);
            expect(prepared.answers.map((answer) => answer.status).filter((s) => s < 200 || s > 299)).toEqual(
              [],
            );
          }
          const uploads = directiveOf(block, "upload")?.paths ?? [];
          if (uploads.length > 0) await uploadToLocalDatastore(host, uploads);
          // A shell would read an unfilled <name> as a redirection; an http example sends it as written.
          if (block.language !== "http")
            expect(
              unfilledPlaceholders(block.code, placeholders),
              "placeholders no capture has filled",
            ).toEqual([]);

          const deadline = Date.now() + (directiveOf(block, "eventually") ? EVENTUALLY_MS : 0);
          let result = await run(block, block.code);
          let problems = result.exitCode === 0 ? answerProblems(block, next, result) : [];
          while (result.exitCode === 0 && problems.length > 0 && Date.now() < deadline) {
            await sleep(500);
            result = await run(block, block.code);
            problems = result.exitCode === 0 ? answerProblems(block, next, result) : [];
          }
          // Before the checks, so that a response block after a failing request compares with its answer.
          lastAnswer = result.answers.at(-1);
          expect(result.exitCode, result.output).toBe(0);
          expect(problems, result.output).toEqual([]);

          for (const { name, path: valuePath } of directiveOf(block, "capture")?.captures ?? []) {
            const value = valueAtPath(parseJson(lastAnswer?.body), valuePath);
            expect(typeof value, `${valuePath} of the last answer, for <${name}>`).toBe("string");
            placeholders.set(name, value as string);
          }
          for (const header of directivesOf(block, "header")) {
            const shown = localize(header.value, { apiUrl: host.apiUrl, placeholders });
            const actual = lastAnswer?.headers[header.name];
            expect(headerMatches(shown, actual), `${header.name}: ${actual} is not ${shown}`).toBe(true);
          }
        },
        EVENTUALLY_MS + 2 * EXAMPLE_TIMEOUT_MS,
      );
    } else if (block.language === "json" && directiveOf(block, "response") !== undefined) {
      it(`answers as shown at ${where(block)}`, () => {
        expect(lastAnswer, "a response block needs a request before it").toBeDefined();
        const differences = responseDifferences(shownResponse(block), parseJson(lastAnswer?.body));
        expect(differences, lastAnswer?.body).toEqual([]);
      });
    }
  });
});

function parseJson(text: string | undefined): unknown {
  try {
    return JSON.parse(text ?? "null") as unknown;
  } catch {
    return text;
  }
}

/** Writes small CSV blobs into the local host's own `workspaceblobstore` (CONTRACT 5), as a reader would. */
async function uploadToLocalDatastore(host: RunningLocalHost, paths: string[]): Promise<void> {
  const connectionString = host.settings.AzureWebJobsStorage;
  if (typeof connectionString !== "string")
    throw new Error("the local host has no storage connection string");
  const container =
    BlobServiceClient.fromConnectionString(connectionString).getContainerClient("workspaceblobstore");
  for (const blobPath of paths) {
    const content = `id,value\n1,${blobPath}\n`;
    await container.getBlockBlobClient(blobPath).upload(content, Buffer.byteLength(content));
  }
}
