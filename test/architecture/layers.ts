/**
 * The layers of src/ (docs/architecture.md), lowest first. A module may import only from its own folder and from
 * folders listed before it: within a layer the order is the one below, so that no two folders import each other.
 */
export const LAYERS: readonly { layer: string; units: readonly string[] }[] = [
  { layer: "pure core", units: ["errors.ts", "concurrency.ts", "settings", "recurrence", "schedules"] },
  { layer: "stores", units: ["state", "runs"] },
  {
    layer: "behaviour",
    units: ["submit", "pipeline-runs", "schedule-management", "datastore", "scheduling", "notifications"],
  },
  { layer: "api / ui", units: ["api", "ui", "cli"] },
  { layer: "host", units: ["host"] },
  { layer: "functions", units: ["functions"] },
];

/** The unit a repository path belongs to: its folder under src/ (or a file at src/'s root), or functions. */
export function unitOf(repositoryPath: string): string | undefined {
  const parts = repositoryPath.split("/");
  if (parts[0] === "functions") return "functions";
  if (parts[0] !== "src" || parts.length < 2) return undefined;
  return parts[1];
}

export function rankOf(unit: string): number | undefined {
  const index = LAYERS.flatMap((entry) => entry.units).indexOf(unit);
  return index === -1 ? undefined : index;
}

/** The relative module specifiers a TypeScript file imports or re-exports, static or dynamic. */
export function relativeImportsOf(source: string): string[] {
  const specifiers: string[] = [];
  const pattern = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)["'](\.{1,2}\/[^"']+)["']/gm;
  for (const match of source.matchAll(pattern)) specifiers.push(match[1] ?? "");
  return specifiers;
}
