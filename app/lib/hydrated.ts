import { useSyncExternalStore } from "react";

const subscribe = () => () => {};

/**
 * False on the server and during hydration, true after: anything that depends
 * on the browser (its time zone, the current time) renders the server's
 * version first, so the first client render matches the HTML (no React
 * #418/#423/#425), then switches.
 */
export function useHydrated(): boolean {
  return useSyncExternalStore(subscribe, () => true, () => false);
}
