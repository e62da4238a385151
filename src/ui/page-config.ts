/**
 * What the status page's script reads from the page itself (the `#page-config` JSON block): ids and public
 * tables only, never a secret. The server writes it and the browser code reads it, so both import this type.
 */
export interface StatusPageConfig {
  /** `wsid` for Azure ML studio run links, or null when runs have no studio page (the local sandbox). */
  studioWorkspaceId: string | null;
  /** Windows time zone id (lower case) -> IANA name, so the browser can show times in a schedule's zone. */
  ianaZoneByWindowsId: Record<string, string>;
}
