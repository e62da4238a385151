/**
 * Time zone names accepted by triggers: the Windows ids of the Azure ML SDK's `TimeZone` enum and IANA
 * names. PLACEHOLDER: the zones helper replaces this file with the CLDR-based mapping.
 */
export function resolveTimeZone(name: string): string | undefined {
  try {
    return new Intl.DateTimeFormat("en-US", { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}
