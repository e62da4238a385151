import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import type * as Esbuild from "esbuild";

/** The status page's script and style sheet, as the page inlines them and its CSP hashes them. */
export interface StatusPageAssets {
  script: string;
  style: string;
}

/**
 * Where the build writes them, relative to the compiled `src/ui/` folder (`dist/src/ui/` after `npm run build`
 * and in the deployable package), so that they are found next to the code that reads them, whatever the cwd.
 */
export const BUILT_ASSET_FILES = {
  script: "browser/status-page.js",
  style: "browser/status-page.css",
} as const;

const SOURCE_DIR = new URL("./browser/", import.meta.url);
const SOURCE_FILES = {
  entry: "status-page.ts",
  style: "status-page.css",
  tsconfig: "tsconfig.json",
} as const;

/**
 * Builds them from the sources in `src/ui/browser/`: esbuild bundles the TypeScript modules into one classic
 * script (an inline `<script>` cannot be a module that imports others), and the style sheet is taken as it is.
 * Works only from a source checkout: esbuild is a dev dependency, loaded here on first use, so a built app
 * (which reads the built files instead) never needs it.
 */
export function buildStatusPageAssets(): StatusPageAssets {
  const esbuild = createRequire(import.meta.url)("esbuild") as typeof Esbuild;
  const sourceDir = fileURLToPath(SOURCE_DIR);
  const result = esbuild.buildSync({
    entryPoints: [SOURCE_FILES.entry],
    // Paths in esbuild's output comments are relative to this, so the output does not depend on the cwd.
    absWorkingDir: sourceDir,
    tsconfig: SOURCE_FILES.tsconfig,
    bundle: true,
    format: "iife",
    platform: "browser",
    target: "es2022",
    charset: "utf8",
    legalComments: "none",
    write: false,
    logLevel: "silent",
  });
  const script = result.outputFiles[0]?.text;
  if (script === undefined) throw new Error("esbuild wrote no status page script");
  return { script, style: readFileSync(new URL(SOURCE_FILES.style, SOURCE_DIR), "utf8") };
}

/**
 * The assets this server inlines, read once at start. The compiled app reads the built files next to it; run
 * from the TypeScript sources (vitest, tsx) there are none, so they are built in memory from the sources.
 */
export function loadStatusPageAssets(): StatusPageAssets {
  if (import.meta.url.endsWith(".ts")) return buildStatusPageAssets();
  return { script: readBuiltFile(BUILT_ASSET_FILES.script), style: readBuiltFile(BUILT_ASSET_FILES.style) };
}

function readBuiltFile(file: string): string {
  const location = new URL(file, import.meta.url);
  try {
    return readFileSync(location, "utf8");
  } catch (error) {
    throw new Error(
      `The status page's ${fileURLToPath(location)} is missing or unreadable; \`npm run build\` writes it.`,
      { cause: error },
    );
  }
}
