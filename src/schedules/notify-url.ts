import { checkEndpointAllowed } from "../settings/host-patterns.js";

/** Where notifications may go (CONTRACT 8): the hosts of `ALLOWED_NOTIFY_HOSTS`, and loopback on the local host. */
export interface NotifyUrlPolicy {
  allowedHosts: readonly string[];
  /** The local host allows loopback receivers over http (CONTRACT 5, 8); the Azure app never does. */
  allowLoopback: boolean;
}

/**
 * Throws a ValidationError on `notify.url` unless the URL may receive notifications: https (http only for
 * loopback, on the local host), no user name or password, and a host matching `ALLOWED_NOTIFY_HOSTS`. Checked
 * when a schedule is written and again before each POST, since the setting may have changed in between.
 */
export function checkNotifyUrlAllowed(url: URL, policy: NotifyUrlPolicy): void {
  checkEndpointAllowed(url, policy.allowedHosts, {
    allowLoopback: policy.allowLoopback,
    path: "notify.url",
    settingName: "ALLOWED_NOTIFY_HOSTS",
  });
}
