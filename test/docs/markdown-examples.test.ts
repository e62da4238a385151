import { describe, expect, it } from "vitest";
import {
  blockProblems,
  docBlocks,
  DirectiveError,
  headerMatches,
  hostSettingsOf,
  responseDifferences,
  unfilledPlaceholders,
  valueAtPath,
} from "./markdown-examples.js";

describe("docBlocks", () => {
  it("reads fenced blocks with the directives just above them", () => {
    const markdown = [
      "Intro",
      "",
      "<!-- doc-test: status: 201 -->",
      "<!-- doc-test: capture: id=.id; run id=.lastRun.id -->",
      "",
      "```sh",
      "curl -s http://127.0.0.1:7071/api/schedules",
      "```",
      "",
      "```json",
      "{}",
      "```",
    ].join("\n");
    const blocks = docBlocks("page.md", markdown);
    expect(blocks).toEqual([
      {
        file: "page.md",
        line: 6,
        language: "sh",
        code: "curl -s http://127.0.0.1:7071/api/schedules",
        directives: [
          { kind: "status", statuses: [201] },
          {
            kind: "capture",
            captures: [
              { name: "id", path: ".id" },
              { name: "run id", path: ".lastRun.id" },
            ],
          },
        ],
      },
      { file: "page.md", line: 10, language: "json", code: "{}", directives: [] },
    ]);
  });

  it("reads a directive over several lines, and every other kind", () => {
    const markdown = [
      "<!-- doc-test: setup:",
      "curl -s -X POST http://127.0.0.1:7071/api/schedules \\",
      "  -d '{}'",
      "-->",
      "<!-- doc-test: header: Location: http://127.0.0.1:7071/api/runs/.../wait -->",
      "<!-- doc-test: schema: RunList - -->",
      "<!-- doc-test: eventually -->",
      "<!-- doc-test: upload: incoming/a.csv incoming/b.csv -->",
      "<!-- doc-test: host: DATA=a=b;c -->",
      "```sh",
      "x",
      "```",
      "<!-- doc-test: checked-by: test/settings/sovereign-clouds.test.ts -->",
      "````markdown",
      "<!-- doc-test: skip: inside an example, not a directive -->",
      "```sh",
      "````",
    ].join("\n");
    const [shell, nested] = docBlocks("page.md", markdown);
    expect(shell?.directives).toEqual([
      {
        kind: "setup",
        code: "curl -s -X POST http://127.0.0.1:7071/api/schedules \\\n  -d '{}'",
      },
      { kind: "header", name: "location", value: "http://127.0.0.1:7071/api/runs/.../wait" },
      { kind: "schema", schemas: ["RunList", "-"] },
      { kind: "eventually" },
      { kind: "upload", paths: ["incoming/a.csv", "incoming/b.csv"] },
      { kind: "host", name: "DATA", value: "a=b;c" },
    ]);
    expect(nested).toMatchObject({
      language: "markdown",
      code: "<!-- doc-test: skip: inside an example, not a directive -->\n```sh",
      directives: [{ kind: "checked-by", testFile: "test/settings/sovereign-clouds.test.ts" }],
    });
    expect(hostSettingsOf(markdown, "page.md")).toEqual({ DATA: "a=b;c" });
  });

  it("refuses a skip without a reason, an unknown directive and one separated from its block", () => {
    expect(() => docBlocks("a.md", "<!-- doc-test: skip -->\n```sh\nx\n```")).toThrow(DirectiveError);
    expect(() => docBlocks("a.md", "<!-- doc-test: run-twice -->\n```sh\nx\n```")).toThrow(/unknown/);
    expect(() => docBlocks("a.md", "<!-- doc-test: response -->\nsome prose\n```json\n{}\n```")).toThrow(
      /just above/,
    );
    expect(() => docBlocks("a.md", "text\n<!-- doc-test: response -->\n")).toThrow(/no code block/);
    expect(() => docBlocks("a.md", "<!-- doc-test: setup:\ncurl x\n```sh\nx\n```")).toThrow(/never closed/);
    expect(() => docBlocks("a.md", "<!-- doc-test: eventually: 10 -->\n```sh\nx\n```")).toThrow(
      /no argument/,
    );
    expect(() => docBlocks("a.md", "<!-- doc-test: upload: ../x.csv -->\n```sh\nx\n```")).toThrow(
      /blob paths/,
    );
    expect(() => docBlocks("a.md", "<!-- doc-test: checked-by: somewhere -->\n```env\nx\n```")).toThrow(
      /test file/,
    );
  });
});

describe("blockProblems", () => {
  const problemsOf = (markdown: string) => blockProblems(docBlocks("p.md", markdown));

  it("accepts a page whose every block runs, is checked or says why not", () => {
    expect(
      problemsOf(
        [
          "```sh\ncurl -s http://127.0.0.1:7071/api/health\n```",
          "<!-- doc-test: response -->\n```json\n{}\n```",
          "<!-- doc-test: schema: Trigger -->\n```json\n{}\n```",
          "<!-- doc-test: skip: deploys to Azure -->\n```sh\nazd up\n```",
          "<!-- doc-test: eventually -->\n```sh\ncurl -s http://127.0.0.1:7071/api/x\n```",
          "<!-- doc-test: response -->\n```json\n{}\n```",
          "```mermaid\nflowchart LR\n```",
        ].join("\n\n"),
      ),
    ).toEqual([]);
  });

  it("names each block the test would otherwise pass over, and each directive out of place", () => {
    expect(
      problemsOf(
        [
          "```json\n{}\n```",
          "```kusto\ntraces\n```",
          "```\nplain\n```",
          "<!-- doc-test: skip: in Azure -->\n```sh\naz login\n```",
          "<!-- doc-test: response -->\n```json\n{}\n```",
          "<!-- doc-test: eventually -->\n```sh\ncurl -X POST http://127.0.0.1:7071/api/x\n```",
          "<!-- doc-test: eventually -->\n```sh\ncurl -s -d '{}' http://127.0.0.1:7071/api/x\n```",
          "<!-- doc-test: status: 200 -->\n```json\n{}\n```",
          "<!-- doc-test: skip: why -->\n<!-- doc-test: status: 200 -->\n```sh\nx\n```",
        ].join("\n\n"),
      ),
    ).toEqual([
      "p.md:1: a json block needs response, schema or skip",
      "p.md:5: a ```kusto block is not run by the docs test: mark it skip: <why>",
      "p.md:9: a ```(no language) block is not run by the docs test: mark it skip: <why>",
      `p.md:19: "response" compares with the answer of the request before it, which must run`,
      `p.md:24: "eventually" runs the block again, so it may only read`,
      `p.md:24: "eventually" waits for a status or the response block just after; this block has neither`,
      `p.md:29: "eventually" runs the block again, so it may only read`,
      `p.md:29: "eventually" waits for a status or the response block just after; this block has neither`,
      "p.md:34: a json block needs response, schema or skip",
      `p.md:34: "status" belongs on a request block`,
      "p.md:40: a block skipped or checked by another test takes no other directive",
    ]);
  });
});

describe("valueAtPath", () => {
  it("follows keys and indexes", () => {
    expect(valueAtPath({ value: [{ at: "x" }, { at: "y" }] }, ".value[1].at")).toBe("y");
    expect(valueAtPath({ value: [] }, ".value[0].at")).toBeUndefined();
    expect(() => valueAtPath({}, "value")).toThrow(DirectiveError);
  });
});

describe("responseDifferences", () => {
  it("matches the keys shown, whole arrays, and ... as anything", () => {
    expect(responseDifferences({ a: 1, b: "..." }, { a: 1, b: "anything", c: 3 })).toEqual([]);
    expect(responseDifferences({ value: [{ at: "x" }] }, { value: [{ at: "x", local: "y" }] })).toEqual([]);
    expect(responseDifferences({ value: [{ at: "x" }] }, { value: [] })).toEqual([
      ".value: expected 1 items, got 0",
    ]);
    expect(responseDifferences({ a: { b: 2 } }, { a: { b: 3 } })).toEqual([".a.b: expected 2, got 3"]);
    expect(responseDifferences({ "...": "..." }, {})).toEqual([]);
  });

  it("reads a last array item ... as any further items, and only those", () => {
    expect(responseDifferences([{ n: "a" }, "..."], [{ n: "a" }, { n: "b" }, { n: "c" }])).toEqual([]);
    expect(responseDifferences([{ n: "a" }, "..."], [{ n: "a" }])).toEqual([]);
    expect(responseDifferences([{ n: "a" }, "..."], [])).toEqual([
      "the answer: expected at least 1 items, got 0",
    ]);
    expect(responseDifferences([{ n: "a" }, "..."], [{ n: "b" }])).toEqual(['[0].n: expected "a", got "b"']);
    expect(responseDifferences(["...", { n: "a" }], [{ n: "x" }, { n: "a" }, { n: "y" }])).toEqual([
      "the answer: expected 2 items, got 3",
    ]);
  });
});

describe("headerMatches", () => {
  it("reads ... as any text and everything else literally", () => {
    const location = "http://127.0.0.1:4000/api/runs/api-123/wait?code=abc";
    expect(headerMatches("http://127.0.0.1:4000/api/runs/.../wait?code=abc", location)).toBe(true);
    expect(headerMatches("http://127.0.0.1:4000/api/runs/.../wait?code=...", location)).toBe(true);
    expect(headerMatches("http://127.0.0.1:4000/api/runs/.../wait", location)).toBe(false);
    expect(headerMatches("http://127.0.0.1:4000/api/runs/api-1.3/wait?code=abc", location)).toBe(false);
    expect(headerMatches("2", undefined)).toBe(false);
  });
});

describe("unfilledPlaceholders", () => {
  it("lists the <name>s no capture filled, leaving comments alone", () => {
    const code =
      "curl -s http://h/api/runs/<run id>  # gives <what it gives>\ncurl -s http://h/api/x/<id>/<id>";
    expect(unfilledPlaceholders(code, new Map([["id", "7"]]))).toEqual(["run id"]);
    expect(
      unfilledPlaceholders(
        code,
        new Map([
          ["id", "7"],
          ["run id", "r"],
        ]),
      ),
    ).toEqual([]);
  });
});
