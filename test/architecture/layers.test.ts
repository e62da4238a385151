import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { LAYERS, rankOf, relativeImportsOf, unitOf } from "./layers.js";

/** Every TypeScript module of the app: src/ (browser code included) and functions/. */
function appModules(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const child = path.posix.join(folder, entry.name);
    if (entry.isDirectory()) return appModules(child);
    return entry.name.endsWith(".ts") ? [child] : [];
  });
}

const MODULES = [...appModules("src"), ...appModules("functions")];

describe("the layers of src/ (docs/architecture.md)", () => {
  it("place every module of the app in a layer", () => {
    expect(MODULES.filter((file) => rankOf(unitOf(file) ?? "") === undefined)).toEqual([]);
  });

  it("are imported downwards only: no module imports a folder listed after its own", () => {
    const upward = MODULES.flatMap((file) => {
      const from = unitOf(file) ?? "";
      return relativeImportsOf(readFileSync(file, "utf8")).flatMap((specifier) => {
        const target = path.posix
          .normalize(path.posix.join(path.posix.dirname(file), specifier))
          .replace(/\.js$/, ".ts");
        const to = unitOf(target) ?? target;
        const allowed = to === from || (rankOf(to) ?? Infinity) < (rankOf(from) ?? -Infinity);
        return allowed ? [] : [`${file} imports ${specifier} (${from} -> ${to})`];
      });
    });
    expect(upward).toEqual([]);
  });
});

describe("relativeImportsOf", () => {
  it("finds static, type-only, re-exported, side-effect and dynamic imports, not package ones", () => {
    const source = [
      'import { a } from "../api/a.js";',
      'import type { B } from "./b.js";',
      'export { c } from "../host/c.js";',
      'import "../ui/side-effect.js";',
      'const d = await import("../cli/d.js");',
      'import { z } from "zod";',
    ].join("\n");
    expect(relativeImportsOf(source)).toEqual([
      "../api/a.js",
      "./b.js",
      "../host/c.js",
      "../ui/side-effect.js",
      "../cli/d.js",
    ]);
  });

  it("knows every unit once", () => {
    const units = LAYERS.flatMap((entry) => entry.units);
    expect(new Set(units).size).toBe(units.length);
  });
});
