import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { filesMatchingMain, packageApp } from "../../scripts/package-app.js";
import { allTriggers, MAX_DEQUEUE_COUNT } from "../../src/host/triggers.js";
import { BUILT_ASSET_FILES, buildStatusPageAssets } from "../../src/ui/status-page-assets.js";

const run = promisify(execFile);
const projectDir = path.resolve(import.meta.dirname, "..", "..");

interface PackageJson {
  main: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
}

/**
 * Runs in the packaged folder with nothing but Node: resolves package.json `main` as the Functions host does
 * (a `*` in the file name) and imports every file it names. Prints the files; @azure/functions, outside the
 * host, logs one "Skipping call to register function" line per registration on stderr.
 */
const LOAD_MAIN = `
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
const { main } = JSON.parse(readFileSync("package.json", "utf8"));
const folder = path.posix.dirname(main);
const pattern = new RegExp("^" + path.posix.basename(main).split("*").map((part) => part.replace(/[.+?^$()|[\\]\\\\{}]/g, "\\\\$&")).join("[^/]*") + "$");
const files = readdirSync(folder).filter((name) => pattern.test(name)).map((name) => path.posix.join(folder, name)).sort();
for (const file of files) await import(pathToFileURL(path.resolve(file)).href);
console.log(JSON.stringify(files));
`;

// Outside the repository, so that Node cannot find the repository's node_modules by walking up.
let outDir = "";
let packageJson: PackageJson;

beforeAll(async () => {
  outDir = await mkdtemp(path.join(os.tmpdir(), "aml-scheduler-package-"));
  await packageApp({ projectDir, outDir });
  packageJson = JSON.parse(await readFile(path.join(outDir, "package.json"), "utf8")) as PackageJson;
}, 180_000);

afterAll(async () => {
  if (outDir !== "") await rm(outDir, { recursive: true, force: true });
});

function loadMain(settings: Record<string, string>) {
  return run(process.execPath, ["--input-type=module", "--eval", LOAD_MAIN], {
    cwd: outDir,
    // Only PATH and the app's settings: nothing of the test runner's environment (NODE_OPTIONS, loaders).
    env: { PATH: process.env.PATH ?? "", ...settings },
  });
}

describe("the deployable folder built by scripts/package-app.ts", () => {
  it("holds host.json, package.json, the lock file, the compiled code and the production dependencies only", async () => {
    expect((await readdir(outDir)).sort()).toEqual([
      "dist",
      "host.json",
      "node_modules",
      "package-lock.json",
      "package.json",
    ]);
    for (const name of Object.keys(packageJson.dependencies)) {
      expect(existsSync(path.join(outDir, "node_modules", name)), name).toBe(true);
    }
    for (const name of Object.keys(packageJson.devDependencies)) {
      expect(existsSync(path.join(outDir, "node_modules", name)), name).toBe(false);
    }
  });

  it("ships the host.json whose maxDequeueCount the queue worker counts deliveries against", async () => {
    const hostJson = JSON.parse(await readFile(path.join(outDir, "host.json"), "utf8")) as {
      extensions: { queues: { maxDequeueCount: number } };
    };
    expect(hostJson.extensions.queues.maxDequeueCount).toBe(MAX_DEQUEUE_COUNT);
  });

  it("has a main glob that finds exactly the compiled files of functions/", async () => {
    const compiled = (await readdir(path.join(outDir, "dist", "functions")))
      .filter((name) => name.endsWith(".js"))
      .map((name) => `dist/functions/${name}`)
      .sort();
    expect(compiled).toContain("dist/functions/index.js");
    expect(await filesMatchingMain(outDir, packageJson.main)).toEqual(compiled);
  });

  it("loads with Node alone and registers every trigger of the list once", async () => {
    const { stdout, stderr } = await loadMain({ AzureWebJobsStorage: "UseDevelopmentStorage=true" });
    expect(JSON.parse(stdout) as string[]).toEqual(await filesMatchingMain(outDir, packageJson.main));
    const registered = [...stderr.matchAll(/Skipping call to register function "([^"]+)"/g)].map(
      (match) => match[1],
    );
    const names = allTriggers(() => Promise.reject(new Error("no services in this test"))).map(
      (spec) => spec.name,
    );
    expect(new Set(names).size).toBe(names.length);
    expect(registered).toEqual(names);
  });

  it("ships the status page's built script and style, which the compiled page finds from any cwd and hashes", async () => {
    const compiledUi = path.join(outDir, "dist", "src", "ui");
    const script = await readFile(path.join(compiledUi, BUILT_ASSET_FILES.script), "utf8");
    const style = await readFile(path.join(compiledUi, BUILT_ASSET_FILES.style), "utf8");
    expect({ script, style }).toEqual(buildStatusPageAssets());
    const routeModule = pathToFileURL(path.join(compiledUi, "status-page-route.js")).href;
    // From a cwd that is neither the package nor the repository: the files are found next to the module.
    const { stdout } = await run(
      process.execPath,
      [
        "--input-type=module",
        "--eval",
        `const page = await import(${JSON.stringify(routeModule)}); console.log(page.STATUS_PAGE_CSP);`,
      ],
      { cwd: os.tmpdir(), env: { PATH: process.env.PATH ?? "" } },
    );
    const hashOf = (text: string) => `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;
    expect(stdout).toContain(`script-src ${hashOf(script)};`);
    expect(stdout).toContain(`style-src ${hashOf(style)};`);
  });

  it("stops at load with a message naming a malformed setting", async () => {
    const loading = loadMain({ AzureWebJobsStorage: "UseDevelopmentStorage=true", SCHEDULER_TICK: "hourly" });
    await expect(loading).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/SettingsError: Invalid settings: SCHEDULER_TICK must be/) as unknown,
    });
  });
});
