/**
 * A parameter value as the Azure ML Python SDK sends it: azureml-pipeline-core `_aeva_provider.py`
 * (`_AevaGraphProvider._get_parameter_assignments`) sends `str(value)` for every str, int, float and bool
 * parameter, so the service sends what Python's `str()` prints, never JavaScript's `String()`. The v1 submit
 * body (CONTRACT 3) and the v2 literal job inputs (CONTRACT 7, "as the Python SDK's str()") share this.
 */
export type PythonScalar = string | number | boolean;

/**
 * Python 3 floats switch to exponent notation when the decimal exponent is below -4 or at least 16
 * (`float_repr_style` 'short': `format(x, 'r')`, Python's "Floating Point Arithmetic" tutorial and
 * `PyOS_double_to_string` in Python/pystrtod.c).
 */
const PYTHON_MIN_FIXED_EXPONENT = -4;
const PYTHON_MAX_FIXED_EXPONENT = 15;
/** 2^53: every integer up to it is exactly a double, so `JSON.parse` kept the integer the caller wrote. */
const MAX_EXACT_JSON_INTEGER = 2 ** 53;

/** What Python's `str()` prints for `value`: `True`/`False`, ints in decimal, floats in their shortest repr. */
export function pythonStr(value: PythonScalar): string {
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "string") return value;
  return pythonNumberStr(value);
}

/**
 * A JSON number as Python reads and prints it. JSON text does not survive `JSON.parse` (`20` and `20.0` are one
 * number here), so an integer that a double holds exactly (|n| <= 2^53) prints as a Python int, as `json.loads`
 * of `20` gives; anything else is a Python float, since JSON integers beyond 2^53 are refused before this
 * (CONTRACT 4) and such a value can only have been written as a float (`1e20`).
 */
function pythonNumberStr(value: number): string {
  if (Number.isNaN(value)) return "nan";
  if (!Number.isFinite(value)) return value > 0 ? "inf" : "-inf";
  if (Number.isInteger(value) && Math.abs(value) <= MAX_EXACT_JSON_INTEGER)
    return String(value === 0 ? 0 : value);
  return pythonFloatRepr(value);
}

/**
 * Python's `repr(float)`: the shortest digits that round-trip (ECMAScript's Number::toString picks the same
 * digits: the fewest that read back as the same double, the nearest of them on a tie), placed by Python's rules:
 * fixed notation with at least one digit after the point (`20.0`, `0.0001`), or `d.ddde±XX` with a sign and at
 * least two exponent digits (`1e-05`, `1.5e+16`).
 */
export function pythonFloatRepr(value: number): string {
  if (Number.isNaN(value)) return "nan";
  if (!Number.isFinite(value)) return value > 0 ? "inf" : "-inf";
  const sign = value < 0 || Object.is(value, -0) ? "-" : "";
  const [mantissa = "0", exponentText = "0"] = Math.abs(value).toExponential().split("e");
  const digits = mantissa.replace(".", "");
  const exponent = Number(exponentText);
  if (exponent < PYTHON_MIN_FIXED_EXPONENT || exponent > PYTHON_MAX_FIXED_EXPONENT) {
    const fraction = digits.length > 1 ? `.${digits.slice(1)}` : "";
    const exponentDigits = String(Math.abs(exponent)).padStart(2, "0");
    return `${sign}${digits[0] ?? "0"}${fraction}e${exponent < 0 ? "-" : "+"}${exponentDigits}`;
  }
  if (exponent < 0) return `${sign}0.${"0".repeat(-exponent - 1)}${digits}`;
  const integerPart = digits.slice(0, exponent + 1).padEnd(exponent + 1, "0");
  const fractionPart = digits.slice(exponent + 1);
  return `${sign}${integerPart}.${fractionPart === "" ? "0" : fractionPart}`;
}
