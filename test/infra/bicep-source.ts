import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";

/**
 * Reads the Bicep files as text. The Bicep CLI is not available to the tests, so they check what can be read
 * off the source: declarations, app setting names, module parameters and role ids.
 */

export const INFRA_DIR = path.resolve(import.meta.dirname, "..", "..", "infra");

export interface BicepFile {
  /** Relative to infra/, with forward slashes: `main.bicep`, `modules/storage.bicep`. */
  name: string;
  text: string;
}

export function readBicep(name: string): BicepFile {
  return { name, text: readFileSync(path.join(INFRA_DIR, name), "utf8") };
}

export function allBicepFiles(): BicepFile[] {
  const modules = readdirSync(path.join(INFRA_DIR, "modules"))
    .filter((file) => file.endsWith(".bicep"))
    .sort()
    .map((file) => readBicep(`modules/${file}`));
  return [readBicep("main.bicep"), ...modules];
}

export interface BicepParam {
  name: string;
  type: string;
  /** The text after `=`, when the parameter has a default. */
  defaultValue: string | undefined;
  /** The decorator lines right above the declaration. */
  decorators: string;
}

/** Top-level `param` declarations with their decorators (the lines above, up to a blank line). */
export function bicepParams(file: BicepFile): BicepParam[] {
  const lines = file.text.split("\n");
  const params: BicepParam[] = [];
  for (const [index, line] of lines.entries()) {
    const match = /^param (\w+) ([\w[\]]+)(?: = (.+))?$/.exec(line.trimEnd());
    if (match === null) continue;
    const above: string[] = [];
    for (let previous = index - 1; previous >= 0; previous--) {
      const text = lines[previous] ?? "";
      if (text.trim() === "" || text.startsWith("param ")) break;
      above.unshift(text);
    }
    params.push({
      name: match[1] ?? "",
      type: match[2] ?? "",
      defaultValue: match[3],
      decorators: above.join("\n"),
    });
  }
  return params;
}

/** The string value of a Bicep single-quoted literal (`'abc'`, with `\'` escapes), or undefined if it is none. */
export function stringLiteral(expression: string | undefined): string | undefined {
  const match = /^'((?:[^'\\]|\\.)*)'$/.exec(expression?.trim() ?? "");
  return match?.[1]?.replace(/\\(.)/g, "$1");
}

/** The text between the bracket that opens right after `opening` and its matching closing bracket. */
export function bracketBody(text: string, opening: RegExp): string {
  const match = opening.exec(text);
  if (match === null) throw new Error(`no ${String(opening)} in the Bicep text`);
  const start = match.index + match[0].length;
  const open = text[start - 1];
  const close = open === "[" ? "]" : "}";
  let depth = 1;
  for (let index = start; index < text.length; index++) {
    if (text[index] === open) depth++;
    if (text[index] === close) depth--;
    if (depth === 0) return text.slice(start, index);
  }
  throw new Error(`unbalanced ${open} after ${String(opening)}`);
}

export interface AppSetting {
  name: string;
  /** The Bicep expression of its value. */
  value: string;
}

/** The entries `{ name: '<SETTING>', value: <expression> }` of the Function App's `appSettings` array. */
export function appSettings(file: BicepFile): AppSetting[] {
  const body = bracketBody(file.text, /appSettings: \[/);
  return [...body.matchAll(/\{\s*name: '([^']+)',?\s*value: (.+?)\s*\}\s*$/gm)].map((match) => ({
    name: match[1] ?? "",
    value: match[2] ?? "",
  }));
}

export interface ModuleUse {
  symbol: string;
  /** The module file, relative to infra/. */
  path: string;
  /** Parameter name → the expression passed. */
  params: Map<string, string>;
}

/** The `module <symbol> '<path>' = ... { params: { ... } }` declarations of a file. */
export function moduleUses(file: BicepFile): ModuleUse[] {
  const uses: ModuleUse[] = [];
  for (const match of file.text.matchAll(/^module (\w+) '([^']+)' = /gm)) {
    const symbol = match[1] ?? "";
    const rest = file.text.slice(match.index);
    const body = bracketBody(rest, /params: \{/);
    const params = new Map<string, string>();
    let depth = 0;
    for (const line of body.split("\n")) {
      const entry = depth === 0 ? /^\s*(\w+): (.+)$/.exec(line) : null;
      if (entry !== null) params.set(entry[1] ?? "", (entry[2] ?? "").trim());
      depth += (line.match(/[[{(]/g) ?? []).length - (line.match(/[\]})]/g) ?? []).length;
    }
    uses.push({ symbol, path: match[2] ?? "", params });
  }
  return uses;
}

/** Top-level `var <name> = <expression>` declarations of a file. */
export function bicepVars(file: BicepFile): Map<string, string> {
  return new Map(
    [...file.text.matchAll(/^var (\w+) = (.+)$/gm)].map((match) => [match[1] ?? "", (match[2] ?? "").trim()]),
  );
}

/**
 * Evaluates the few expression forms app settings use: a parameter (from `values`), a `var` of the file, an
 * expression listed in `values` verbatim (such as `environment().suffixes.storage`), or a string literal with
 * `${...}` interpolations of those. Anything else throws, so a new form cannot pass unnoticed.
 */
export function evaluateBicep(file: BicepFile, expression: string, values: Record<string, string>): string {
  const vars = bicepVars(file);
  const evaluate = (text: string): string => {
    const trimmed = text.trim();
    if (trimmed in values) return values[trimmed] ?? "";
    const variable = vars.get(trimmed);
    if (variable !== undefined) return evaluate(variable);
    const literal = /^'((?:[^'\\]|\\.)*)'$/.exec(trimmed)?.[1];
    if (literal !== undefined)
      return literal.replace(/\$\{([^}]+)\}/g, (_, inner: string) => evaluate(inner));
    throw new Error(`cannot evaluate the Bicep expression ${trimmed} in ${file.name}`);
  };
  return evaluate(expression);
}
