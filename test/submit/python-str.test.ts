import { describe, expect, it } from "vitest";
import { pythonFloatRepr, pythonStr } from "../../src/submit/python-str.js";

/**
 * The expected texts follow Python 3's documented rules for `str()` / `repr()` (the "Floating Point Arithmetic"
 * tutorial and `format(x, 'r')` in the string formatting docs): bools are `True`/`False`; ints print in
 * decimal; a float prints the shortest digits that read back as the same double, in fixed notation with at
 * least one digit after the point when its decimal exponent is -4..15, else as `d.ddde±XX` with a sign and at
 * least two exponent digits.
 */
describe("pythonStr", () => {
  it.each([
    [true, "True"],
    [false, "False"],
    ["", ""],
    ["x y", "x y"],
    ["1e-7", "1e-7"],
    ["True", "True"],
  ] as const)("%j (bool or str) prints %j", (value, expected) => {
    expect(pythonStr(value)).toBe(expected);
  });

  it.each([
    [0, "0"],
    [-0, "0"],
    [20, "20"],
    [-3, "-3"],
    [9007199254740991, "9007199254740991"],
    [2 ** 53, "9007199254740992"],
    [-(2 ** 53), "-9007199254740992"],
  ])("the JSON integer %j is a Python int and prints %j", (value, expected) => {
    expect(pythonStr(value)).toBe(expected);
  });

  it.each([
    // exponent -4 is still fixed notation, -5 is not
    [0.0001, "0.0001"],
    [0.000123, "0.000123"],
    [0.00001, "1e-05"],
    [2.5e-5, "2.5e-05"],
    [1.23e-5, "1.23e-05"],
    [1e-7, "1e-07"],
    [-1.5e-7, "-1.5e-07"],
    [5e-324, "5e-324"],
    [1e-100, "1e-100"],
    // shortest round-trip digits
    [1.5, "1.5"],
    [-2.25, "-2.25"],
    [0.1, "0.1"],
    [0.1 + 0.2, "0.30000000000000004"],
    [123.456, "123.456"],
    [123456789012345.6, "123456789012345.6"],
    // exponent 15 is still fixed notation, 16 is not
    [1000000000000000.5, "1000000000000000.5"],
    [Number("1234567890123456.7"), "1234567890123456.8"],
    [1e16, "1e+16"],
    [1.5e16, "1.5e+16"],
    [Number("12345678901234567890"), "1.2345678901234567e+19"],
    [1e22, "1e+22"],
    [1e100, "1e+100"],
    [1.7976931348623157e308, "1.7976931348623157e+308"],
    [Number.NaN, "nan"],
    [Number.POSITIVE_INFINITY, "inf"],
    [Number.NEGATIVE_INFINITY, "-inf"],
  ])("the float %j prints %j", (value, expected) => {
    expect(pythonStr(value)).toBe(expected);
  });
});

describe("pythonFloatRepr", () => {
  it.each([
    [20, "20.0"],
    [0, "0.0"],
    [-0, "-0.0"],
    [1e15, "1000000000000000.0"],
    [2 ** 53, "9007199254740992.0"],
    [1e16, "1e+16"],
    [0.5, "0.5"],
    [-1e-5, "-1e-05"],
  ])("a value held as a Python float, %j, prints %j", (value, expected) => {
    expect(pythonFloatRepr(value)).toBe(expected);
  });
});
