import { useSearchParams } from "@remix-run/react";

/** The current address with another page number, every filter kept: for a page's pager links. */
export function usePageLink() {
  const [params] = useSearchParams();
  return (page: number) => {
    const next = new URLSearchParams(params);
    next.set("page", String(page));
    return `?${next}`;
  };
}
