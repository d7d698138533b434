import { Form, useSubmit } from "@remix-run/react";
import { useEffect, useRef, useState, type FormEvent, type ReactNode } from "react";
import { trpc } from "../lib/trpc.client";

type Audience = "everyone" | "failed" | "not_opened" | "not_clicked" | "not_mailed" | "not_human_opened" | "not_human_clicked";

/**
 * Start and Rerun ask first, with the pre-flight: how many people get what,
 * who is left out and why, merge tags that would render blank. Nothing is
 * sent unless the user confirms what they read.
 */
export function PreflightForm({ campaignId, intent, title, children }: { campaignId: number; intent: "start" | "rerun"; title: string; children: ReactNode }) {
  const submit = useSubmit();
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  // Checked ahead for the audience on screen, so the question comes at once on click.
  const ahead = useRef(new Map<Audience, ReturnType<typeof check>>());
  const check = (audience: Audience) => trpc.campaigns.preflight.query({ campaignId, audience });
  const prefetch = (audience: Audience) => {
    const p = check(audience);
    p.catch(() => ahead.current.delete(audience));
    ahead.current.set(audience, p);
  };
  useEffect(() => {
    ahead.current.clear();
    prefetch("everyone");
  }, [campaignId]);
  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = e.currentTarget;
    const audience = (new FormData(form).get("audience") as Audience | null) ?? "everyone";
    setBusy(true);
    setProblem(null);
    try {
      const p = await (ahead.current.get(audience) ?? check(audience));
      ahead.current.delete(audience); // a second click asks afresh
      if (window.confirm(`${title}\n\n${p.sentences.join("\n\n")}\n\nSend to ${p.recipients} ${p.recipients === 1 ? "person" : "people"}?`)) submit(form);
    } catch (error) {
      setProblem(error instanceof Error ? error.message : "Could not check who this would reach. Try again.");
    } finally {
      setBusy(false);
    }
  }
  return (
    <Form method="post" className="row" onSubmit={onSubmit} aria-busy={busy} onChange={(e) => {
      const target = e.target as HTMLSelectElement;
      if (target.name === "audience") prefetch(target.value as Audience);
    }}>
      <input type="hidden" name="intent" value={intent} />
      {children}
      {problem ? <span role="alert" className="error small">{problem}</span> : null}
    </Form>
  );
}
