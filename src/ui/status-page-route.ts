import { createHash } from "node:crypto";
import { z } from "zod";
import type { ApiRoute } from "../api/api-route.js";
import { WINDOWS_ZONES } from "../recurrence/windows-zones.generated.js";
import { WINDOWS_ZONES_SUPPLEMENT } from "../recurrence/time-zones.js";
import type { StatusPageConfig } from "./page-config.js";
import { loadStatusPageAssets } from "./status-page-assets.js";
import { studioWorkspaceId } from "./studio-workspace.js";

/** The page's script and style sheet (built from src/ui/browser/), read at start: the CSP below hashes them. */
export const { script: STATUS_PAGE_SCRIPT, style: STATUS_PAGE_STYLE } = loadStatusPageAssets();

const IANA_ZONE_BY_WINDOWS_ID: Record<string, string> = Object.fromEntries(
  Object.entries({ ...WINDOWS_ZONES, ...WINDOWS_ZONES_SUPPLEMENT }).map(([windowsId, ianaName]) => [
    windowsId.toLowerCase(),
    ianaName,
  ]),
);

function sha256Source(text: string): string {
  return `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;
}

/**
 * Only the page's own script and style run (by hash, CSP Level 3), it talks only to this origin, and it cannot
 * be framed; the config block is data (`application/json`), which browsers never execute.
 */
export const STATUS_PAGE_CSP = [
  "default-src 'none'",
  `script-src ${sha256Source(STATUS_PAGE_SCRIPT)}`,
  `style-src ${sha256Source(STATUS_PAGE_STYLE)}`,
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** JSON that is safe inside a `<script>` element: `<` never appears, so neither can `</script>` (HTML 4.12.1.3). */
function jsonForScriptElement(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c");
}

export function statusPageHtml(config: StatusPageConfig): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>Pipeline schedules</title>
<style>${STATUS_PAGE_STYLE}</style>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top"><p class="brand"><a href="?" id="home-link">Pipeline schedules</a></p>
<button type="button" id="refresh" class="secondary">Refresh</button></header>
<div id="notice" role="status" aria-live="polite"></div>
<main id="main" tabindex="-1"><p>Loading…</p></main>
<noscript><p>This page needs JavaScript. The same information is in the JSON API: <code>GET /api/schedules</code>.</p></noscript>
<script type="application/json" id="page-config">${jsonForScriptElement(config)}</script>
<script>${STATUS_PAGE_SCRIPT}</script>
</body>
</html>
`;
}

const statusPageQuerySchema = z.object({
  schedule: z.string().optional().meta({ description: "Opens the view of this schedule (id)." }),
  code: z
    .string()
    .optional()
    .meta({
      description:
        "A function key, as in Azure Functions URLs: the page keeps it in the browser session and sends it as " +
        "`x-functions-key` with its API calls.",
    }),
});

/** `GET /api/ui`: the status page, an HTML shell whose script reads the JSON API (issue: a status page). */
export function statusPageRoute(): ApiRoute {
  return {
    name: "ui",
    route: "ui",
    method: "GET",
    // The shell holds no data and no secret; every API call it makes carries the function key.
    authLevel: "anonymous",
    summary: "The status page: schedules, upcoming fires and run history (HTML).",
    query: statusPageQuerySchema,
    responses: {
      200: {
        description: "The page (text/html), served with a strict Content-Security-Policy.",
        headers: { "Content-Security-Policy": "Only the page's own script and style run." },
      },
    },
    run: (_request, services) =>
      Promise.resolve({
        status: 200,
        headers: {
          "Content-Type": "text/html; charset=utf-8",
          "Content-Security-Policy": STATUS_PAGE_CSP,
          "X-Content-Type-Options": "nosniff",
          // The page's URL may carry `?code=`: keep it out of Referer headers and caches.
          "Referrer-Policy": "no-referrer",
          "Cache-Control": "no-store",
        },
        body: statusPageHtml({
          studioWorkspaceId: studioWorkspaceId(services.settings),
          ianaZoneByWindowsId: IANA_ZONE_BY_WINDOWS_ID,
        }),
      }),
  };
}
