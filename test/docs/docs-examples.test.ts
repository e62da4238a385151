import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { z } from "zod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fireTimesSchema, scheduleListSchema } from "../../src/api/api-schemas.js";
import { startLocalHost, type RunningLocalHost } from "../../src/host/local/local-host.js";
import { triggerSchema } from "../../src/recurrence/trigger-schema.js";
import { runSchema } from "../../src/runs/run-record.js";
import { scheduleDefinitionSchema, scheduleSchema } from "../../src/schedules/schema.js";
import {
  docBlocks,
  hostSettingsOf,
  responseDifferences,
  valueAtPath,
  type DocBlock,
} from "./markdown-examples.js";
import { runShellExample, type CurlAnswer } from "./run-example.js";

/**
 * The README's and the manual's examples run against a local host started by this test, and answer as the text
 * says (STYLE: docs that are tested). Every request example either runs or says in its directive why it cannot.
 */

const PAGES = ["README.md", "CONTRIBUTING.md", ...readdirSync("docs").map((name) => `docs/${name}`)]
  .filter((file) => file.endsWith(".md"))
  .sort();

/** Blocks that are requests or commands: each must run, or be skipped with a reason. */
const SHELL_LANGUAGES = new Set(["sh", "bash", "shell", "console"]);
const REQUEST_LANGUAGES = new Set([...SHELL_LANGUAGES, "http"]);

/** The schemas a `schema:` directive may name. */
const SCHEMAS: Record<string, z.ZodType> = {
  Trigger: triggerSchema,
  ScheduleDefinition: scheduleDefinitionSchema,
  Schedule: scheduleSchema,
  ScheduleList: scheduleListSchema,
  Run: runSchema,
  FireTimes: fireTimesSchema,
};

/** A timer that never comes: the examples move time with /dev/tick alone, so that nothing fires behind them. */
const NEVER = "0 0 0 1 1 *";

const directiveOf = <K extends DocBlock["directives"][number]["kind"]>(block: DocBlock, kind: K) =>
  block.directives.find((directive) => directive.kind === kind) as
    Extract<DocBlock["directives"][number], { kind: K }> | undefined;

const where = (block: DocBlock) => `${block.file}:${block.line}`;

describe.each(PAGES)("%s", (file) => {
  const markdown = readFileSync(file, "utf8");
  const blocks = docBlocks(file, markdown);
  const runnable = blocks.filter(
    (block) => SHELL_LANGUAGES.has(block.language) && !directiveOf(block, "skip"),
  );

  it("marks every request example it cannot run, with the reason", () => {
    const unmarked = blocks.filter(
      (block) =>
        REQUEST_LANGUAGES.has(block.language) &&
        !SHELL_LANGUAGES.has(block.language) &&
        directiveOf(block, "skip") === undefined,
    );
    expect(unmarked.map(where)).toEqual([]);
    const unchecked = blocks.filter((block) => block.language === "json" && block.directives.length === 0);
    expect(unchecked.map(where), "json blocks need a response, schema or skip directive").toEqual([]);
  });

  for (const block of blocks.filter((candidate) => directiveOf(candidate, "schema") !== undefined)) {
    it(`shows valid JSON at ${where(block)}`, () => {
      const name = directiveOf(block, "schema")?.schema ?? "";
      const schema = SCHEMAS[name];
      expect(schema, `unknown schema ${name}`).toBeDefined();
      const parsed = schema?.safeParse(JSON.parse(block.code) as unknown);
      expect(parsed?.error?.issues ?? []).toEqual([]);
    });
  }

  if (runnable.length === 0) return;

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

  for (const block of blocks) {
    if (runnable.includes(block)) {
      it(`runs the example at ${where(block)}`, async () => {
        const run = await runShellExample(block.code, {
          apiUrl: host.apiUrl,
          placeholders,
          timeoutMs: 60_000,
        });
        expect(run.exitCode, run.output).toBe(0);
        const expected = directiveOf(block, "status")?.statuses;
        const statuses = run.answers.map((answer) => answer.status);
        if (expected === undefined) {
          expect(
            statuses.filter((status) => status < 200 || status > 299),
            run.output,
          ).toEqual([]);
        } else {
          expect(statuses, run.output).toEqual(expected);
        }
        lastAnswer = run.answers.at(-1) ?? lastAnswer;
        for (const { name, path: valuePath } of directiveOf(block, "capture")?.captures ?? []) {
          const value = valueAtPath(JSON.parse(lastAnswer?.body ?? "null") as unknown, valuePath);
          expect(typeof value, `${valuePath} of the last answer, for <${name}>`).toBe("string");
          placeholders.set(name, value as string);
        }
      });
    } else if (directiveOf(block, "response") !== undefined) {
      it(`answers as shown at ${where(block)}`, () => {
        expect(lastAnswer, "a response block needs a curl call before it").toBeDefined();
        const differences = responseDifferences(
          JSON.parse(block.code) as unknown,
          JSON.parse(lastAnswer?.body ?? "null") as unknown,
        );
        expect(differences, lastAnswer?.body).toEqual([]);
      });
    }
  }
});
