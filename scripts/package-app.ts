import { execFile } from "node:child_process";
import { copyFile, mkdir, readdir, rm } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { writeStatusPageAssets } from "./build-browser.js";

/**
 * Builds the folder that Azure Functions runs: host.json, package.json and its lock file, the compiled
 * `functions/` and `src/` under `dist/` with the status page's built script and style sheet (as `npm run build`
 * lays them out), and the production dependencies only. Zip it, or run
 * `func azure functionapp publish <app>` inside it, for a deployment without a remote build.
 */

const run = promisify(execFile);

/** The files of the project root the Functions host reads besides the compiled code. */
const ROOT_FILES = ["host.json", "package.json", "package-lock.json"] as const;

export interface PackageAppOptions {
  /** The repository root (where package.json and tsconfig.build.json are). */
  projectDir: string;
  /** The folder to create; emptied first. */
  outDir: string;
}

export async function packageApp({ projectDir, outDir }: PackageAppOptions): Promise<void> {
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  // Compiled straight into the package, so the repository's own dist/ is neither needed nor touched.
  const tsc = path.join(projectDir, "node_modules", "typescript", "bin", "tsc");
  await run(process.execPath, [tsc, "-p", "tsconfig.build.json", "--outDir", path.join(outDir, "dist")], {
    cwd: projectDir,
  });
  await writeStatusPageAssets(path.join(outDir, "dist"));
  for (const file of ROOT_FILES) await copyFile(path.join(projectDir, file), path.join(outDir, file));
  // The lock file pins what was tested; --omit=dev proves the app runs without dev dependencies.
  await run(
    npmCommand(),
    ["ci", "--omit=dev", "--ignore-scripts", "--prefer-offline", "--no-audit", "--no-fund"],
    { cwd: outDir, shell: process.platform === "win32" },
  );
}

/**
 * The files a package.json `main` such as `dist/functions/*.js` names, relative to `dir` and sorted. Like the
 * Functions host's reading of it, `*` matches within one folder, in the last path segment only.
 */
export async function filesMatchingMain(dir: string, main: string): Promise<string[]> {
  const folder = path.posix.dirname(main);
  const pattern = path.posix.basename(main);
  if (folder.includes("*")) throw new Error(`main "${main}" has a wildcard outside its last segment`);
  const namePattern = new RegExp(
    `^${pattern
      .split("*")
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
      .join("[^/]*")}$`,
  );
  const entries = await readdir(path.join(dir, folder), { withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && namePattern.test(entry.name))
    .map((entry) => path.posix.join(folder, entry.name))
    .sort();
}

function npmCommand(): string {
  return process.platform === "win32" ? "npm.cmd" : "npm";
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const projectDir = path.resolve(fileURLToPath(import.meta.url), "..", "..");
  const outDir = path.resolve(process.argv[2] ?? path.join(projectDir, "dist", "package"));
  await packageApp({ projectDir, outDir });
  console.log(`Deployable app in ${outDir}`);
}
