import { Form } from "@remix-run/react";
import type { ReactNode } from "react";

/** A one-button form for an action; destructive ones ask first. */
export function ActionButton({ intent, label, confirm, className, children }: { intent: string; label: string; confirm?: string; className?: string; children?: ReactNode }) {
  return (
    <Form method="post" onSubmit={(e) => { if (confirm && !window.confirm(confirm)) e.preventDefault(); }}>
      <input type="hidden" name="intent" value={intent} />
      {children}
      <button type="submit" className={className}>{label}</button>
    </Form>
  );
}
