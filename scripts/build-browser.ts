import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { BUILT_ASSET_FILES, buildStatusPageAssets } from "../src/ui/status-page-assets.js";

/**
 * The build's second step, after tsc: writes the status page's script (bundled from src/ui/browser/*.ts) and
 * style sheet next to the compiled src/ui/ under `distDir`, where the compiled app reads them at start.
 */
export async function writeStatusPageAssets(distDir: string): Promise<void> {
  const assets = buildStatusPageAssets();
  const compiledUiDir = path.join(distDir, "src", "ui");
  for (const kind of ["script", "style"] as const) {
    const file = path.join(compiledUiDir, BUILT_ASSET_FILES[kind]);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, assets[kind], "utf8");
  }
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const projectDir = path.resolve(fileURLToPath(import.meta.url), "..", "..");
  await writeStatusPageAssets(path.resolve(process.argv[2] ?? path.join(projectDir, "dist")));
}
