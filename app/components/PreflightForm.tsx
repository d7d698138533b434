import { Form, useSubmit } from "@remix-run/react";
import { useEffect, useRef, useState, type FormEvent, type ReactNode } from "react";
import { trpc } from "../lib/trpc.client";
import { ConfirmDialog } from "./ConfirmForm";

type Audience = "everyone" | "failed" | "not_opened" | "not_clicked" | "not_mailed" | "not_human_opened" | "not_human_clicked";

/**
 * Start and Rerun ask first, with the pre-flight: how many people get what,
 * who is left out and why, merge tags that would render blank. Nothing is
 * sent unless the user confirms what they read.
 */
export function PreflightForm({ campaignId, intent, title, confirmLabel, children }: { campaignId: number; intent: "start" | "rerun"; title: string; confirmLabel: string; children: ReactNode }) {
  const submit = useSubmit();
  const dialog = useRef<HTMLDialogElement>(null);
  const formRef = useRef<HTMLFormElement>(null);
  const [question, setQuestion] = useState<{ sentences: string[]; recipients: number } | null>(null);
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
    const audience = (new FormData(e.currentTarget).get("audience") as Audience | null) ?? "everyone";
    setBusy(true);
    setProblem(null);
    try {
      const p = await (ahead.current.get(audience) ?? check(audience));
      ahead.current.delete(audience); // a second click asks afresh
      // What the server would refuse is said here and now: no dialog offers a start that cannot happen.
      if (p.refusal) return setProblem(p.refusal);
      setQuestion({ sentences: p.sentences, recipients: p.recipients });
      dialog.current?.showModal();
    } catch (error) {
      setProblem(error instanceof Error ? error.message : "Could not check who this would reach. Try again.");
    } finally {
      setBusy(false);
    }
  }
  return (
    <Form method="post" className="row" ref={formRef} onSubmit={onSubmit} aria-busy={busy} onChange={(e) => {
      const target = e.target as HTMLSelectElement;
      if (target.name === "audience") prefetch(target.value as Audience);
    }}>
      <input type="hidden" name="intent" value={intent} />
      {children}
      {problem ? <span role="alert" className="error small">{problem}</span> : null}
      <ConfirmDialog dialogRef={dialog} title={title} confirmLabel={confirmLabel} keepLabel="Not now" onConfirm={() => submit(formRef.current)}>
        {question ? <>
          {question.sentences.map((s) => <p key={s}>{s}</p>)}
          <p className="strong">Send to {question.recipients} {question.recipients === 1 ? "person" : "people"}?</p>
        </> : null}
      </ConfirmDialog>
    </Form>
  );
}
