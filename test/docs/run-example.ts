import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

/** What one request of an example answered. */
export interface CurlAnswer {
  status: number;
  /** The headers of the final response, names in lower case. */
  headers: Record<string, string>;
  /** What curl printed (the body, unless the example sent it elsewhere with -o), without `curl -i`'s headers. */
  body: string;
}

export interface ExampleRun {
  exitCode: number | null;
  output: string;
  answers: CurlAnswer[];
}

export interface ExampleEnvironment {
  /** The API of the local host the examples run against, e.g. http://127.0.0.1:40123/api. */
  apiUrl: string;
  /** Values for `<name>` placeholders, captured from earlier examples of the page. */
  placeholders: ReadonlyMap<string, string>;
  timeoutMs: number;
}

export const DOCUMENTED_API = "http://127.0.0.1:7071/api";
const TSX = path.resolve("node_modules/.bin/tsx");
const CLI = path.resolve("src/cli/main.ts");

const PRELUDE = path.resolve("test/docs/example-prelude.sh");

/** Runs one shell example against the test's local host and collects what each curl call answered. */
export async function runShellExample(code: string, environment: ExampleEnvironment): Promise<ExampleRun> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "doc-test-"));
  try {
    const script = path.join(dir, "example.sh");
    await writeFile(script, `source "${PRELUDE}"\n${localize(code, environment)}\n`);
    const { exitCode, output } = await runBash(script, dir, environment);
    return { exitCode, output, answers: await readAnswers(dir) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Sends one `http` example (a request line, headers, a blank line, the body) to the test's local host. The
 * request line may name a path (`POST /api/...`) or the documented address.
 */
export async function runHttpExample(code: string, environment: ExampleEnvironment): Promise<ExampleRun> {
  const text = localize(code, environment);
  const cut = text.search(/\n\s*\n/);
  const head = (cut === -1 ? text : text.slice(0, cut)).trim().split("\n");
  const body = cut === -1 ? "" : text.slice(cut).trim();
  // The target may hold a placeholder with a space (`?code=<function key>`), sent percent-encoded as a reader's.
  const [, method = "", target = ""] =
    /^(\S+)\s+(.*?)(?:\s+HTTP\/[\d.]+)?$/.exec((head[0] ?? "").trim()) ?? [];
  const headers = new Headers();
  for (const line of head.slice(1)) {
    const colon = line.indexOf(":");
    if (colon <= 0) return failed(`not a header line: ${line}`);
    headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  const origin = new URL(environment.apiUrl).origin;
  if (!/^[A-Z]+$/.test(method) || !(target.startsWith("/") || target.startsWith(`${origin}/`)))
    return failed(`not a request line to the local host: ${head[0] ?? ""}`);
  try {
    const response = await fetch(new URL(target, origin), {
      method,
      headers,
      ...(body === "" ? {} : { body }),
      redirect: "manual",
      signal: AbortSignal.timeout(environment.timeoutMs),
    });
    const answer: CurlAnswer = {
      status: response.status,
      headers: Object.fromEntries(response.headers),
      body: await response.text(),
    };
    return {
      exitCode: 0,
      output: `${method} ${target}\n${answer.status}\n${answer.body}`,
      answers: [answer],
    };
  } catch (error) {
    return failed(String(error));
  }
}

const failed = (output: string): ExampleRun => ({ exitCode: 1, output, answers: [] });

/** The example as it runs here: the documented address is the test host's, and placeholders are filled in. */
export function localize(
  code: string,
  environment: Pick<ExampleEnvironment, "apiUrl" | "placeholders">,
): string {
  let text = code.split(DOCUMENTED_API).join(environment.apiUrl);
  for (const [name, value] of environment.placeholders) text = text.split(`<${name}>`).join(value);
  // `npm start &` stands for the host the test started; a trailing & would leave a job behind.
  return text.replace(/^npm start &(.*)$/m, "npm start$1");
}

function runBash(
  script: string,
  dir: string,
  environment: ExampleEnvironment,
): Promise<{ exitCode: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn("bash", [script], {
      cwd: process.cwd(),
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: process.env.HOME ?? dir,
        TZ: "UTC",
        DOC_TEST_DIR: dir,
        DOC_TEST_TSX: TSX,
        DOC_TEST_CLI: CLI,
        AML_SCHEDULER_URL: environment.apiUrl,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), environment.timeoutMs);
    child.once("close", (exitCode) => {
      clearTimeout(timer);
      resolve({ exitCode, output });
    });
  });
}

async function readAnswers(dir: string): Promise<CurlAnswer[]> {
  const calls = Number((await readFile(path.join(dir, "calls"), "utf8").catch(() => "0")).trim());
  const names = new Set(await readdir(dir));
  const answers: CurlAnswer[] = [];
  for (let call = 1; call <= calls; call++) {
    const read = async (suffix: string) =>
      names.has(`answer.${call}.${suffix}`)
        ? readFile(path.join(dir, `answer.${call}.${suffix}`), "utf8")
        : "";
    const response = finalResponse(await read("headers"));
    answers.push({ ...response, body: withoutHeaders(await read("body")) });
  }
  return answers;
}

/**
 * The status and headers of the last response in a `--dump-header` file (which holds a 100 Continue, or each
 * redirect with -L, before it); status 0 when there was no answer at all.
 */
function finalResponse(dump: string): Omit<CurlAnswer, "body"> {
  const responses = dump.split(/\r?\n\r?\n/).filter((part) => /^HTTP\/[\d.]+ \d{3}/.test(part.trim()));
  const [statusLine = "", ...lines] = (responses.at(-1) ?? "").trim().split(/\r?\n/);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(/^HTTP\/[\d.]+ (\d{3})/.exec(statusLine)?.[1] ?? 0), headers };
}

/** `curl -i` prints the status line and headers (more than once after a 100 Continue) before the body. */
function withoutHeaders(text: string): string {
  let rest = text;
  while (/^HTTP\/[\d.]+ \d{3}/.test(rest)) {
    const end = rest.search(/\r?\n\r?\n/);
    if (end === -1) return "";
    rest = rest.slice(end).replace(/^\r?\n\r?\n/, "");
  }
  return rest;
}
