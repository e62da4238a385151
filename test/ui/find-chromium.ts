import { execFile } from "node:child_process";
import { constants, createReadStream, createWriteStream, existsSync, readFileSync } from "node:fs";
import { access, mkdtemp, rename, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { promisify } from "node:util";
import { createBrotliDecompress } from "node:zlib";

/**
 * The Chromium the status page's browser test drives. Debian's `chromium` package when it is installed;
 * otherwise the one that the `@sparticuz/chromium` npm package carries in its tarball (brotli-compressed, so
 * `npm install` downloads nothing else and runs no install script), unpacked once per version.
 */

const run = promisify(execFile);

/** Debian's chromium package. */
export const SYSTEM_CHROMIUM = "/usr/bin/chromium";
/** `packaged` forces the npm package's Chromium; any other value is the path of a Chromium to use. */
export const CHROMIUM_SETTING = "STATUS_PAGE_CHROMIUM";

/** Headless, no sandbox (CI runs as root), no GPU, and no background traffic beyond the loopback host under test. */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface FoundChromium {
  executablePath: string;
  source: "system" | "package" | "setting";
}

export interface FindChromiumOptions {
  env?: NodeJS.ProcessEnv;
  systemChromium?: string;
  /** Where the packaged Chromium is unpacked (a folder per package version); the system's temp folder. */
  cacheDir?: string;
}

export async function findChromium({
  env = process.env,
  systemChromium = SYSTEM_CHROMIUM,
  cacheDir = os.tmpdir(),
}: FindChromiumOptions = {}): Promise<FoundChromium> {
  const setting = env[CHROMIUM_SETTING];
  if (setting !== undefined && setting !== "" && setting !== "packaged") {
    if (!(await isExecutable(setting))) {
      throw new Error(`${CHROMIUM_SETTING}=${setting}: no executable there.`);
    }
    return { executablePath: setting, source: "setting" };
  }
  if (setting !== "packaged" && (await isExecutable(systemChromium))) {
    return { executablePath: systemChromium, source: "system" };
  }
  return { executablePath: await unpackPackagedChromium(cacheDir), source: "package" };
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Unpacks `bin/chromium.br` and the SwiftShader libraries beside it (`bin/swiftshader.tar.br`, which Chromium
 * loads for software rendering: without them its GPU process fails and restarts) into `<cacheDir>/<name>-<version>/`.
 * The package's own `executablePath()` unpacks to a fixed `/tmp/chromium` that it never checks again, so a
 * half-written or older file there would be used; here a folder appears only complete, by an atomic rename.
 * Its other archives are left out: Debian 12 has the libraries of `al2023.tar.br` (libnss3, libnspr4,
 * libexpat1) and fonts (fontconfig, fonts-dejavu-core).
 */
async function unpackPackagedChromium(cacheDir: string): Promise<string> {
  if (process.platform !== "linux" || process.arch !== "x64") {
    throw new Error(
      `${SYSTEM_CHROMIUM} is missing and the Chromium of @sparticuz/chromium is for Linux x64 only ` +
        `(this is ${process.platform} ${process.arch}): set ${CHROMIUM_SETTING} to a Chromium or Chrome executable.`,
    );
  }
  const { packageDir, version } = chromiumPackage();
  const target = path.join(cacheDir, `aml-pipeline-scheduler-chromium-${version}`);
  const executable = path.join(target, "chromium");
  if (existsSync(executable)) return executable;
  const staging = await mkdtemp(`${target}.partial-`);
  try {
    const bin = path.join(packageDir, "bin");
    await pipeline(
      createReadStream(path.join(bin, "chromium.br")),
      createBrotliDecompress(),
      createWriteStream(path.join(staging, "chromium"), { mode: 0o755 }),
    );
    await untarBrotli(path.join(bin, "swiftshader.tar.br"), staging);
    await rename(staging, target);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    // Another test run unpacked the same version meanwhile: its complete folder won the rename.
    if (existsSync(executable)) return executable;
    throw error;
  }
  return executable;
}

/** Where @sparticuz/chromium is installed, and its version (its major version is Chromium's). */
export function chromiumPackage(): { packageDir: string; version: string } {
  let entry: string;
  try {
    entry = createRequire(import.meta.url).resolve("@sparticuz/chromium");
  } catch (error) {
    throw new Error(
      `${SYSTEM_CHROMIUM} is missing and so is the dev dependency @sparticuz/chromium: run npm install.`,
      { cause: error },
    );
  }
  // The package's entry is build/index.js; its archives are in bin/. Its exports hide package.json.
  const packageDir = path.resolve(path.dirname(entry), "..");
  const { version } = JSON.parse(readFileSync(path.join(packageDir, "package.json"), "utf8")) as {
    version: string;
  };
  return { packageDir, version };
}

/**
 * Node has brotli but no tar; Debian's tar (an essential package) extracts. From a file, not a pipe: tar exits
 * at the archive's end marker, and a pipe it closes while the last bytes are written fails the write.
 */
export async function untarBrotli(archive: string, into: string): Promise<void> {
  const tarFile = path.join(into, path.basename(archive, ".br"));
  await pipeline(createReadStream(archive), createBrotliDecompress(), createWriteStream(tarFile));
  await run("tar", ["-x", "-f", tarFile, "-C", into]);
  await rm(tarFile);
}
