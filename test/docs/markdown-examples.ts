/**
 * The examples of the README and the manual, read out of the Markdown: every fenced block with the directives
 * (`<!-- doc-test: ... -->` comments on the lines just above it) that say what the docs test does with it.
 * CONTRIBUTING.md ("Examples in the docs are tested") is the guide for writers; this is the reference.
 *
 * Directives, one per comment, several comments allowed; a comment may span lines (`setup`):
 * - `skip: <reason>`: the block is not run here (it deploys to Azure, needs a Logic App, ...); the reason is
 *   required, so that nothing is left out silently.
 * - `checked-by: <test file>`: another test reads this block as written (the sovereign clouds' settings); the
 *   docs test checks that the file exists and names this page.
 * - `status: 201 200 ...`: the HTTP status of each request of the block, in order (default: each is 2xx).
 * - `capture: <name>=<path>; ...`: after the block, the value at `<path>` (`.id`, `.value[0].at`) of the last
 *   answer's JSON becomes `<name>`, written `<name>` in later blocks of the same page (`<run id>`).
 * - `response`: on a json block, the last answer of the block before it must contain this JSON (objects: the
 *   keys shown; arrays: the same items, or at least those before a last item "..."; the string "..." matches
 *   anything; `<name>` is the page's capture, so `"scheduledFor": "<nextRunAt>"` says "the same instant").
 * - `schema: <Name> ...`: on a json block, the JSON must be valid for that API schema (Trigger, Schedule, Run,
 *   ...); on a request block, each answer, in order, must be (one name per request, `-` for one not checked).
 * - `header: <name>: <value>`: a header of the block's last answer; `...` in the value stands for any text,
 *   `<name>` for the page's capture (also one this block makes). One directive per header.
 * - `eventually`: on a request block that only reads, the answers come a moment later (from the queue worker):
 *   the block runs again, for up to 20 s, until its statuses and the `response` after it match.
 * - `setup: <shell>`: runs before the block and must answer 2xx; for what a page takes from another page
 *   (the schedule of the HTTP API page), so that the reader is told in words and the test in code.
 * - `upload: <path> ...`: before the block, these blobs are written to the local host's `workspaceblobstore`,
 *   the step the text leaves to the reader's storage tool.
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
  | { kind: "checked-by"; testFile: string }
  | { kind: "status"; statuses: number[] }
  | { kind: "capture"; captures: { name: string; path: string }[] }
  | { kind: "response" }
  | { kind: "schema"; schemas: string[] }
  | { kind: "header"; name: string; value: string }
  | { kind: "eventually" }
  | { kind: "setup"; code: string }
  | { kind: "upload"; paths: string[] }
  | { kind: "host"; name: string; value: string };

export type DirectiveKind = Directive["kind"];

const OPENING = "<!-- doc-test:";
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
    if (line.startsWith(OPENING)) {
      const comment = directiveComment(lines, index, file);
      pending.push(parseDirective(comment.text, `${file}:${index + 1}`));
      index = comment.lastLine;
      continue;
    }
    // Directives belong to the next block; prose in between would make that unclear.
    if (line !== "" && pending.length > 0) {
      throw new DirectiveError(
        `${file}:${index + 1}: a doc-test directive must stand just above a code block`,
      );
    }
  }
  if (pending.length > 0) {
    throw new DirectiveError(`${file}: a doc-test directive at the end of the page has no code block`);
  }
  return blocks;
}

/** The host settings a page asks for (`host:` directives anywhere on the page). */
export function hostSettingsOf(markdown: string, file: string): Record<string, string> {
  const settings: Record<string, string> = {};
  const lines = markdown.split("\n");
  for (let index = 0; index < lines.length; index++) {
    if (!(lines[index] ?? "").trim().startsWith(OPENING)) continue;
    const comment = directiveComment(lines, index, file);
    const parsed = parseDirective(comment.text, `${file}:${index + 1}`);
    if (parsed.kind === "host") settings[parsed.name] = parsed.value;
    index = comment.lastLine;
  }
  return settings;
}

/** The text of the directive comment that opens at `first`, which may end on a later line. */
function directiveComment(lines: string[], first: number, file: string): { text: string; lastLine: number } {
  for (let last = first; last < lines.length; last++) {
    if (!(lines[last] ?? "").includes("-->")) continue;
    const comment = lines
      .slice(first, last + 1)
      .join("\n")
      .trim();
    const directive = DIRECTIVE.exec(comment);
    if (directive === null) {
      throw new DirectiveError(`${file}:${first + 1}: a doc-test comment must end with --> on its own`);
    }
    return { text: directive[1] ?? "", lastLine: last };
  }
  throw new DirectiveError(`${file}:${first + 1}: a doc-test comment is never closed with -->`);
}

function parseDirective(text: string, where: string): Directive {
  const match = /^([\w-]+)(?::\s*([\s\S]*))?$/.exec(text);
  const [, kind = "", rest = ""] = match ?? [];
  const argument = rest.trim();
  const noArgument = <K extends "response" | "eventually">(name: K) => {
    if (argument !== "") throw new DirectiveError(`${where}: "${name}" takes no argument`);
    return { kind: name };
  };
  switch (kind) {
    case "skip":
      if (argument === "") throw new DirectiveError(`${where}: "skip" needs a reason`);
      return { kind, reason: argument };
    case "checked-by":
      if (!/^test\/\S+\.test\.ts$/.test(argument))
        throw new DirectiveError(
          `${where}: "checked-by" names a test file (test/....test.ts), not "${argument}"`,
        );
      return { kind, testFile: argument };
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
        if (name.trim() === "" || !path.trim().startsWith(".")) {
          throw new DirectiveError(`${where}: "capture" takes name=.path pairs, not "${pair}"`);
        }
        return { name: name.trim(), path: path.trim() };
      });
      return { kind, captures };
    }
    case "response":
    case "eventually":
      return noArgument(kind);
    case "schema":
      if (argument === "") throw new DirectiveError(`${where}: "schema" needs a schema name`);
      return { kind, schemas: argument.split(/\s+/) };
    case "header": {
      const colon = argument.indexOf(":");
      if (colon <= 0) throw new DirectiveError(`${where}: "header" takes <name>: <value>`);
      return {
        kind,
        name: argument.slice(0, colon).trim().toLowerCase(),
        value: argument.slice(colon + 1).trim(),
      };
    }
    case "setup":
      if (argument === "") throw new DirectiveError(`${where}: "setup" needs the commands it runs`);
      return { kind, code: argument };
    case "upload": {
      const paths = argument.split(/\s+/);
      if (argument === "" || paths.some((path) => path.startsWith("/") || path.split("/").includes("..")))
        throw new DirectiveError(`${where}: "upload" takes blob paths in the container, not "${argument}"`);
      return { kind, paths };
    }
    case "host": {
      const equals = argument.indexOf("=");
      if (equals <= 0) throw new DirectiveError(`${where}: "host" takes NAME=VALUE`);
      return { kind, name: argument.slice(0, equals), value: argument.slice(equals + 1) };
    }
    default:
      throw new DirectiveError(`${where}: unknown doc-test directive "${text}"`);
  }
}

const SHELL_LANGUAGES = new Set(["sh", "bash", "shell", "console"]);
/** Diagrams are not examples; every other block runs, is checked, or is skipped with a reason. */
const NOT_EXAMPLES = new Set(["mermaid"]);

export const isShellBlock = (block: DocBlock) => SHELL_LANGUAGES.has(block.language);
export const isRequestBlock = (block: DocBlock) => isShellBlock(block) || block.language === "http";
const leftOut = (block: DocBlock) =>
  directiveOf(block, "skip") !== undefined || directiveOf(block, "checked-by") !== undefined;
/** Whether the docs test runs the block against its local host. */
export const runsHere = (block: DocBlock) => isRequestBlock(block) && !leftOut(block);

/** Whether running the block twice changes nothing: a read, which `eventually` may repeat. */
export function onlyReads(block: DocBlock): boolean {
  if (block.language === "http") return /^\s*GET\s/.test(block.code);
  const writes = /-X\s*(POST|PUT|PATCH|DELETE)\b|\s(-d|--data[\w-]*|-F|--form|-T|--upload-file)(\s|=)/;
  return isShellBlock(block) && !writes.test(block.code) && !/\bnpx\b/.test(block.code);
}

/**
 * What is wrong with the directives of a page's blocks (`file:line: problem`): every block must run, be checked
 * or say why it cannot run here, and each directive must be one the test can act on where it stands.
 */
export function blockProblems(blocks: readonly DocBlock[]): string[] {
  return blocks.flatMap((block, index) => {
    const problems: string[] = [];
    const has = (kind: DirectiveKind) => directiveOf(block, kind) !== undefined;
    const next = blocks[index + 1];
    if (leftOut(block) && block.directives.length > 1)
      problems.push("a block skipped or checked by another test takes no other directive");
    if (block.language === "json") {
      if (!leftOut(block) && !has("response") && !has("schema"))
        problems.push("a json block needs response, schema or skip");
      if ((directiveOf(block, "schema")?.schemas.length ?? 1) !== 1)
        problems.push(`"schema" on a json block names one schema`);
      for (const kind of ["status", "capture", "header", "eventually", "setup", "upload"] as const)
        if (has(kind)) problems.push(`"${kind}" belongs on a request block`);
      const request = blocks.slice(0, index).findLast(isRequestBlock);
      if (has("response") && (request === undefined || !runsHere(request)))
        problems.push(`"response" compares with the answer of the request before it, which must run`);
    } else if (isRequestBlock(block)) {
      if (has("response")) problems.push(`"response" belongs on the json block after a request`);
      if (has("eventually") && !onlyReads(block))
        problems.push(`"eventually" runs the block again, so it may only read`);
      if (
        has("eventually") &&
        !has("status") &&
        !(next?.language === "json" && directiveOf(next, "response"))
      )
        problems.push(
          `"eventually" waits for a status or the response block just after; this block has neither`,
        );
    } else if (!NOT_EXAMPLES.has(block.language) && !leftOut(block)) {
      problems.push(
        `a \`\`\`${block.language || "(no language)"} block is not run by the docs test: mark it skip: <why>`,
      );
    }
    return problems.map((problem) => `${block.file}:${block.line}: ${problem}`);
  });
}

/** The directives of that kind on the block. */
export function directivesOf<K extends DirectiveKind>(
  block: DocBlock,
  kind: K,
): Extract<Directive, { kind: K }>[] {
  return block.directives.filter(
    (directive): directive is Extract<Directive, { kind: K }> => directive.kind === kind,
  );
}

/** The directive of that kind on the block, if any. */
export function directiveOf<K extends DirectiveKind>(
  block: DocBlock,
  kind: K,
): Extract<Directive, { kind: K }> | undefined {
  return block.directives.find(
    (directive): directive is Extract<Directive, { kind: K }> => directive.kind === kind,
  );
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
    // A last item "..." stands for any further items: `[{ "name": "landing" }, "..."]`.
    const open = expected.length > 0 && expected.at(-1) === "...";
    const shown = open ? expected.slice(0, -1) : expected;
    if (open ? actual.length < shown.length : actual.length !== shown.length)
      return [
        `${at || "the answer"}: expected ${open ? "at least " : ""}${shown.length} items, got ${actual.length}`,
      ];
    return shown.flatMap((item, index) => responseDifferences(item, actual[index], `${at}[${index}]`));
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

/** Whether a header value is the one the docs show, where `...` stands for any text. */
export function headerMatches(shown: string, actual: string | undefined): boolean {
  if (actual === undefined) return false;
  const pattern = shown
    .split("...")
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${pattern}$`, "s").test(actual);
}

/** The `<name>` placeholders of an example that no capture of the page has filled. */
export function unfilledPlaceholders(code: string, filled: ReadonlyMap<string, string>): string[] {
  // A comment may show what an answer holds (`# location: .../runs/<run id>/wait`): the shell never reads it.
  const commands = code.replace(/(^|\s)#.*$/gm, "$1");
  const names = [...commands.matchAll(/<([A-Za-z][\w .-]*\w|[A-Za-z])>/g)].map((match) => match[1] ?? "");
  return [...new Set(names)].filter((name) => !filled.has(name));
}
