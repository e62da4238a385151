import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BEYOND_SAFE_INTEGERS, PROTO_KEY, refusedJsonValues } from "../../src/api/json-refusals.js";

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

describe("refusedJsonValues", () => {
  it("finds nothing in ordinary JSON", () => {
    const document = JSON.parse(
      '{"a": [1, -2.5, 1e-7, 9007199254740991, -9007199254740991], "b": {"c": null, "d": "9007199254740993"}}',
    ) as unknown;
    expect(refusedJsonValues(document)).toEqual([]);
  });

  it("refuses an integer lexeme exactly when it is outside ±(2^53 - 1), for all integers", () => {
    const beyond = 1n << 70n;
    fc.assert(
      fc.property(
        fc.oneof(
          fc.bigInt({ min: -beyond, max: beyond }),
          fc.bigInt({ min: MAX_SAFE - 1000n, max: MAX_SAFE + 1000n }),
          fc.bigInt({ min: -MAX_SAFE - 1000n, max: -MAX_SAFE + 1000n }),
        ),
        (integer) => {
          const refused = refusedJsonValues(JSON.parse(`{"p": [${integer}]}`) as unknown);
          const outside = integer > MAX_SAFE || integer < -MAX_SAFE;
          expect(refused).toEqual(outside ? [{ path: "p[0]", message: BEYOND_SAFE_INTEGERS }] : []);
        },
      ),
    );
  });

  it("refuses the integers next to the boundary, and keeps the boundary", () => {
    const refusedOf = (lexeme: string) => refusedJsonValues(JSON.parse(`[${lexeme}]`) as unknown).length;
    expect(["9007199254740991", "-9007199254740991", "9007199254740991.4"].map(refusedOf)).toEqual([0, 0, 0]);
    expect(
      [
        "9007199254740992",
        "9007199254740993",
        "-9007199254740993",
        "9007199254740991.9",
        "9.007199254740993e15",
      ].map(refusedOf),
    ).toEqual([1, 1, 1, 1, 1]);
    expect(["1e300", "-1e400", "1e16"].map(refusedOf)).toEqual([1, 1, 1]);
  });

  it("names every __proto__ key and every such number, in document order", () => {
    const document = JSON.parse(
      '{"x": {"__proto__": {"n": 9007199254740993}}, "y": [{"__proto__": 1}, 9007199254740993], "__proto__": null}',
    ) as unknown;
    expect(refusedJsonValues(document)).toEqual([
      { path: "x.__proto__", message: PROTO_KEY },
      { path: "y[0].__proto__", message: PROTO_KEY },
      { path: "y[1]", message: BEYOND_SAFE_INTEGERS },
      { path: "__proto__", message: PROTO_KEY },
    ]);
  });

  it("takes a string __proto__ value, and keys that only contain __proto__", () => {
    const document = JSON.parse('{"name": "__proto__", "my__proto__": 1, "__proto__x": 2}') as unknown;
    expect(refusedJsonValues(document)).toEqual([]);
  });

  it("walks a document nested deeper than the call stack", () => {
    const depth = 30_000;
    const document = JSON.parse(`${"[".repeat(depth)}9007199254740993${"]".repeat(depth)}`) as unknown;
    const [issue] = refusedJsonValues(document);
    expect(issue?.path).toBe("[0]".repeat(depth));
  });
});
