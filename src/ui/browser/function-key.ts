import { messageOf, say } from "./page.js";

/** The function key, kept for this browser tab only (session storage), never in the page or its URL. */
const KEY_STORAGE = "aml-pipeline-scheduler.functions-key";

export function storeKey(key: string | null): void {
  try {
    if (key) sessionStorage.setItem(KEY_STORAGE, key);
    else sessionStorage.removeItem(KEY_STORAGE);
  } catch (error) {
    say("The browser does not keep the key for this session: " + messageOf(error), true);
  }
}

export function storedKey(): string | null {
  try {
    return sessionStorage.getItem(KEY_STORAGE);
  } catch {
    return null;
  }
}

/** The API answered 401 or 403: the page asks for a key instead of showing an error. */
export class KeyNeeded extends Error {
  constructor(readonly status: number) {
    super("The API answered " + status + ": a function key is needed, or a different one.");
  }
}
