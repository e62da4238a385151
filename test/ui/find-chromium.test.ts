import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { brotliCompressSync } from "node:zlib";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CHROMIUM_ARGS,
  CHROMIUM_SETTING,
  chromiumPackage,
  findChromium,
  untarBrotli,
} from "./find-chromium.js";

describe("findChromium, the browser of the status page test", () => {
  let folder: string;
  let fakeSystemChromium: string;
  beforeAll(async () => {
    folder = await mkdtemp(path.join(os.tmpdir(), "find-chromium-"));
    fakeSystemChromium = path.join(folder, "chromium");
    await writeFile(fakeSystemChromium, "#!/bin/sh\n", { mode: 0o755 });
  });
  afterAll(() => rm(folder, { recursive: true, force: true }));

  it("takes Debian's chromium when it is installed, unless the setting asks for the packaged one", async () => {
    expect(await findChromium({ env: {}, systemChromium: fakeSystemChromium })).toEqual({
      executablePath: fakeSystemChromium,
      source: "system",
    });
    const packaged = await findChromium({
      env: { [CHROMIUM_SETTING]: "packaged" },
      systemChromium: fakeSystemChromium,
    });
    expect(packaged.source).toBe("package");
  });

  it("takes the executable the setting names, and fails naming the setting when there is none", async () => {
    expect(await findChromium({ env: { [CHROMIUM_SETTING]: fakeSystemChromium } })).toEqual({
      executablePath: fakeSystemChromium,
      source: "setting",
    });
    const missing = path.join(folder, "no-such-chrome");
    await expect(findChromium({ env: { [CHROMIUM_SETTING]: missing } })).rejects.toThrow(
      `${CHROMIUM_SETTING}=${missing}: no executable there.`,
    );
  });

  it("unpacks a .tar.br whose bytes go on past the archive's end marker, where tar stops reading", async () => {
    // Stopping there, tar closed the pipe the archive was written into (EPIPE, or "Premature close" under load).
    const source = await mkdtemp(path.join(folder, "archive-"));
    await writeFile(path.join(source, "libEGL.so"), "not really a library");
    await promisify(execFile)("tar", ["-c", "-f", "archive.tar", "libEGL.so"], { cwd: source });
    const archive = Buffer.concat([
      await readFile(path.join(source, "archive.tar")),
      Buffer.alloc(2_000_000),
    ]);
    await writeFile(path.join(source, "archive.tar.br"), brotliCompressSync(archive));
    const into = path.join(folder, "unpacked");
    await mkdir(into);
    await untarBrotli(path.join(source, "archive.tar.br"), into);
    expect(await readdir(into)).toEqual(["libEGL.so"]);
    expect(await readFile(path.join(into, "libEGL.so"), "utf8")).toBe("not really a library");
  });

  it("without Debian's chromium, unpacks the npm package's once, even when asked twice at once, and it runs headless here", async () => {
    const cacheDir = await mkdtemp(path.join(folder, "cache-"));
    const options = { env: {}, systemChromium: path.join(folder, "missing-chromium"), cacheDir };
    const [first, second] = await Promise.all([findChromium(options), findChromium(options)]);
    expect(first.source).toBe("package");
    expect(second).toEqual(first);
    // One complete folder, no half-written one left beside it.
    expect(await readdir(cacheDir)).toEqual([path.basename(path.dirname(first.executablePath))]);
    expect((await findChromium(options)).executablePath).toBe(first.executablePath);

    // The flags of the browser test, with a new empty user data folder.
    const context = await chromium.launchPersistentContext(await mkdtemp(path.join(folder, "profile-")), {
      executablePath: first.executablePath,
      args: CHROMIUM_ARGS,
    });
    try {
      const page = await context.newPage();
      // The binary of the package's version: @sparticuz/chromium 153.x carries Chromium 153.
      const { product } = await (await context.newCDPSession(page)).send("Browser.getVersion");
      expect(product.split("/")[1]?.split(".")[0]).toBe(chromiumPackage().version.split(".")[0]);
      await page.setContent(`<button onclick="this.textContent = 6 * 7">compute</button>`);
      await page.click("button");
      expect(await page.textContent("button")).toBe("42");
    } finally {
      await context.close();
    }
  }, 120_000);
});
