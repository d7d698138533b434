import { useRevalidator } from "@remix-run/react";
import { useEffect } from "react";

/**
 * Reloads the page's data every 3 s while `live`: every figure on the page
 * (cards, progress, runs table, per-step progress) comes from one loader and
 * so moves together, never one widget ahead of the rest.
 */
export function useLivePage(live: boolean, everyMs = 3000) {
  const { revalidate, state } = useRevalidator();
  useEffect(() => {
    if (!live) return;
    const timer = setInterval(() => {
      if (document.visibilityState === "visible" && state === "idle") revalidate();
    }, everyMs);
    return () => clearInterval(timer);
  }, [live, everyMs, revalidate, state]);
}
