/**
 * The examples of the README and the manual, read out of the Markdown: every fenced block with the directive
 * (`<!-- doc-test: ... -->` comments on the lines just above it) that says what the docs test does with it.
 *
 * Directives, one per comment, several comments allowed:
 * - `skip: <reason>`: the block is not run here (it deploys to Azure, needs a Logic App, ...); the reason is
 *   required, so that nothing is left out silently.
 * - `status: 201 200 ...`: the HTTP status of each curl call of the block, in order (default: each is 2xx).
 * - `capture: <name>=<path>; ...`: after the block, the value at `<path>` (`.id`, `.value[0].at`) of the last
 *   curl answer's JSON becomes `<name>`, written `<name>` in later blocks of the same page (`<run id>`).
 * - `response`: on a json block, the last curl answer must contain this JSON (objects: the keys shown; arrays:
 *   the same length; the string "..." matches anything).
 * - `schema: <name>`: on a json block, the JSON must be valid for that API schema (Trigger, Schedule, Run, ...).
 * - `host: NAME=VALUE`: a setting of the local host this page's examples run against.
 */

export interface DocBlock {
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  language: string;
  code: string;
  directives: Directive[];
}

export type Directive =
  | { kind: "skip"; reason: string }
  | { kind: "status"; statuses: number[] }
  | { kind: "capture"; captures: { name: string; path: string }[] }
  | { kind: "response" }
  | { kind: "schema"; schema: string }
  | { kind: "host"; name: string; value: string };

const DIRECTIVE = /^<!--\s*doc-test:\s*([\s\S]*?)\s*-->$/;

export class DirectiveError extends Error {
  override name = "DirectiveError";
}

/** The fenced blocks of one Markdown page, each with the directives written just above it. */
export function docBlocks(file: string, markdown: string): DocBlock[] {
  const lines = markdown.split("\n");
  const blocks: DocBlock[] = [];
  let pending: Directive[] = [];
  for (let index = 0; index < lines.length; index++) {
    const line = (lines[index] ?? "").trim();
    const fence = /^(`{3,})([\w-]*)/.exec(line);
    if (fence !== null) {
      const [, ticks = "```", language = ""] = fence;
      const start = index;
      const body: string[] = [];
      for (index++; index < lines.length && (lines[index] ?? "").trim() !== ticks; index++) {
        body.push(lines[index] ?? "");
      }
      blocks.push({ file, line: start + 1, language, code: body.join("\n"), directives: pending });
      pending = [];
      continue;
    }
    const directive = DIRECTIVE.exec(line);
    if (directive !== null) {
      pending.push(parseDirective(directive[1] ?? "", `${file}:${index + 1}`));
      continue;
    }
    // Directives belong to the next block; prose in between would make that unclear.
    if (line !== "" && pending.length > 0) {
      throw new DirectiveError(
        `${file}:${index + 1}: a doc-test directive must stand just above a code block`,
      );
    }
  }
  return blocks;
}

/** The host settings a page asks for (`host:` directives anywhere on the page). */
export function hostSettingsOf(markdown: string, file: string): Record<string, string> {
  const settings: Record<string, string> = {};
  markdown.split("\n").forEach((text, index) => {
    const directive = DIRECTIVE.exec(text.trim());
    if (directive === null) return;
    const parsed = parseDirective(directive[1] ?? "", `${file}:${index + 1}`);
    if (parsed.kind === "host") settings[parsed.name] = parsed.value;
  });
  return settings;
}

function parseDirective(text: string, where: string): Directive {
  const match = /^(\w+)(?::\s*([\s\S]*))?$/.exec(text);
  const [, kind = "", rest = ""] = match ?? [];
  const argument = rest.trim();
  switch (kind) {
    case "skip":
      if (argument === "") throw new DirectiveError(`${where}: "skip" needs a reason`);
      return { kind, reason: argument };
    case "status": {
      const statuses = argument.split(/\s+/).map(Number);
      if (
        argument === "" ||
        statuses.some((status) => !Number.isInteger(status) || status < 100 || status > 599)
      )
        throw new DirectiveError(`${where}: "status" takes HTTP statuses, not "${argument}"`);
      return { kind, statuses };
    }
    case "capture": {
      const captures = argument.split(";").map((pair) => {
        const [name = "", path = ""] = pair.split("=");
        if (name.trim() === "" || !path.startsWith(".")) {
          throw new DirectiveError(`${where}: "capture" takes name=.path pairs, not "${pair}"`);
        }
        return { name: name.trim(), path: path.trim() };
      });
      return { kind, captures };
    }
    case "response":
      return { kind };
    case "schema":
      if (argument === "") throw new DirectiveError(`${where}: "schema" needs a schema name`);
      return { kind, schema: argument };
    case "host": {
      const equals = argument.indexOf("=");
      if (equals <= 0) throw new DirectiveError(`${where}: "host" takes NAME=VALUE`);
      return { kind, name: argument.slice(0, equals), value: argument.slice(equals + 1) };
    }
    default:
      throw new DirectiveError(`${where}: unknown doc-test directive "${text}"`);
  }
}

/** The value at a path such as `.id`, `.value[0].at` or `.runs[1].id`; undefined when there is none. */
export function valueAtPath(value: unknown, path: string): unknown {
  const steps = path.match(/\.[A-Za-z_$][\w$]*|\[\d+\]/g) ?? [];
  if (steps.join("") !== path) throw new DirectiveError(`"${path}" is not a path like .value[0].id`);
  let current = value;
  for (const step of steps) {
    if (current === null || typeof current !== "object") return undefined;
    const key = step.startsWith("[") ? Number(step.slice(1, -1)) : step.slice(1);
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

/** Where `actual` differs from what the docs show (`expected`), or an empty list when it matches. */
export function responseDifferences(expected: unknown, actual: unknown, at = ""): string[] {
  if (expected === "...") return [];
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual))
      return [`${at || "the answer"}: expected an array, got ${JSON.stringify(actual)}`];
    if (expected.length !== actual.length)
      return [`${at || "the answer"}: expected ${expected.length} items, got ${actual.length}`];
    return expected.flatMap((item, index) => responseDifferences(item, actual[index], `${at}[${index}]`));
  }
  if (expected !== null && typeof expected === "object") {
    if (actual === null || typeof actual !== "object" || Array.isArray(actual))
      return [`${at || "the answer"}: expected an object, got ${JSON.stringify(actual)}`];
    return Object.entries(expected).flatMap(([key, item]) =>
      key === "..."
        ? []
        : responseDifferences(item, (actual as Record<string, unknown>)[key], `${at}.${key}`),
    );
  }
  return Object.is(expected, actual)
    ? []
    : [`${at || "the answer"}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`];
}
