import { describe, expect, it } from "vitest";
import { applyMergePatch, jsonEqual } from "../../src/schedules/merge-patch.js";

describe("applyMergePatch", () => {
  // RFC 7396 Appendix A, every example.
  const examples: [unknown, unknown, unknown][] = [
    [{ a: "b" }, { a: "c" }, { a: "c" }],
    [{ a: "b" }, { b: "c" }, { a: "b", b: "c" }],
    [{ a: "b" }, { a: null }, {}],
    [{ a: "b", b: "c" }, { a: null }, { b: "c" }],
    [{ a: ["b"] }, { a: "c" }, { a: "c" }],
    [{ a: "c" }, { a: ["b"] }, { a: ["b"] }],
    [{ a: { b: "c" } }, { a: { b: "d", c: null } }, { a: { b: "d" } }],
    [{ a: [{ b: "c" }] }, { a: [1] }, { a: [1] }],
    [
      ["a", "b"],
      ["c", "d"],
      ["c", "d"],
    ],
    [{ a: "b" }, ["c"], ["c"]],
    [{ a: "foo" }, null, null],
    [{ a: "foo" }, "bar", "bar"],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: "b", c: null }, { a: "b" }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];

  it.each(examples)("merges %j with %j into %j", (target, patch, expected) => {
    expect(applyMergePatch(target, patch)).toEqual(expected);
  });

  it("keeps the rest of a nested object and leaves both inputs as they were", () => {
    const target = { trigger: { type: "recurrence", frequency: "Hour", interval: 1 }, description: "d" };
    const patch = { trigger: { interval: 2 }, description: null };
    expect(applyMergePatch(target, patch)).toEqual({
      trigger: { type: "recurrence", frequency: "Hour", interval: 2 },
    });
    expect(target).toEqual({
      trigger: { type: "recurrence", frequency: "Hour", interval: 1 },
      description: "d",
    });
    expect(patch).toEqual({ trigger: { interval: 2 }, description: null });
  });

  it("keeps a __proto__ member as data", () => {
    const merged = applyMergePatch(
      { trigger: {} },
      JSON.parse('{"trigger": {"__proto__": {"hours": [1]}}}'),
    ) as {
      trigger: Record<string, unknown>;
    };
    expect(Object.getPrototypeOf(merged.trigger)).toBe(Object.prototype);
    expect(Object.keys(merged.trigger)).toEqual(["__proto__"]);
    expect(merged.trigger.hours).toBeUndefined();
  });
});

describe("jsonEqual", () => {
  it("ignores member order and undefined members but not array order", () => {
    expect(jsonEqual({ a: 1, b: [1, 2] }, { b: [1, 2], a: 1, c: undefined })).toBe(true);
    expect(jsonEqual({ a: [1, 2] }, { a: [2, 1] })).toBe(false);
    expect(jsonEqual({ a: 1 }, { a: 1, b: null })).toBe(false);
    expect(jsonEqual([], {})).toBe(false);
  });
});
