import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

/** What one curl call of an example answered. */
export interface CurlAnswer {
  status: number;
  /** The body, without the headers that `curl -i` prints. */
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

const DOCUMENTED_API = "http://127.0.0.1:7071/api";
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
  const files = (await readdir(dir))
    .filter((name) => name.startsWith("answer."))
    .sort((a, b) => Number(a.slice(7)) - Number(b.slice(7)));
  return Promise.all(
    files.map(async (name) => {
      const text = await readFile(path.join(dir, name), "utf8");
      const cut = text.lastIndexOf("\n");
      return { status: Number(text.slice(cut + 1)), body: withoutHeaders(text.slice(0, cut)) };
    }),
  );
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
