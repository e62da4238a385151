import { describe, expect, it } from "vitest";
import { docBlocks, DirectiveError, responseDifferences, valueAtPath } from "./markdown-examples.js";

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

  it("refuses a skip without a reason, an unknown directive and one separated from its block", () => {
    expect(() => docBlocks("a.md", "<!-- doc-test: skip -->\n```sh\nx\n```")).toThrow(DirectiveError);
    expect(() => docBlocks("a.md", "<!-- doc-test: run-twice -->\n```sh\nx\n```")).toThrow(/unknown/);
    expect(() => docBlocks("a.md", "<!-- doc-test: response -->\nsome prose\n```json\n{}\n```")).toThrow(
      /just above/,
    );
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
});
