import { Form, useSubmit } from "@remix-run/react";
import { useRef, type ReactNode } from "react";

/**
 * A question in a modal dialog whose buttons say what they do ("Cancel
 * campaign" / "Keep sending"), never a browser confirm() with an ambiguous
 * "Cancel" that means "don't".
 */
export function ConfirmDialog({ dialogRef, title, children, confirmLabel, keepLabel, danger, onConfirm }: {
  dialogRef: React.RefObject<HTMLDialogElement>; title: string; children: ReactNode; confirmLabel: string; keepLabel: string; danger?: boolean; onConfirm: () => void;
}) {
  return (
    <dialog ref={dialogRef} className="confirm" aria-labelledby={`${confirmLabel}-title`.replace(/\W+/g, "-")}>
      <h2 id={`${confirmLabel}-title`.replace(/\W+/g, "-")}>{title}</h2>
      <div className="stack">{children}</div>
      <div className="row dialog-actions">
        <button type="button" autoFocus onClick={() => dialogRef.current?.close()}>{keepLabel}</button>
        <button type="button" className={danger ? "danger" : "primary"} onClick={() => { dialogRef.current?.close(); onConfirm(); }}>{confirmLabel}</button>
      </div>
    </dialog>
  );
}

/** A one-button form for an action; destructive ones ask first, in a dialog. */
export function ActionButton({ intent, label, confirm, className, children }: {
  intent: string; label: string; className?: string; children?: ReactNode;
  confirm?: { title: string; body: string; confirmLabel: string; keepLabel: string };
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const form = useRef<HTMLFormElement>(null);
  const submit = useSubmit();
  return (
    <Form method="post" ref={form} onSubmit={(e) => { if (confirm) { e.preventDefault(); dialog.current?.showModal(); } }}>
      <input type="hidden" name="intent" value={intent} />
      {children}
      <button type="submit" className={className}>{label}</button>
      {confirm ? (
        <ConfirmDialog dialogRef={dialog} title={confirm.title} confirmLabel={confirm.confirmLabel} keepLabel={confirm.keepLabel} danger={className === "danger"} onConfirm={() => submit(form.current)}>
          <p>{confirm.body}</p>
        </ConfirmDialog>
      ) : null}
    </Form>
  );
}

/** A submit button for the form it sits in, asking first in a dialog. */
export function ConfirmSubmit({ label, className, confirm }: { label: string; className?: string; confirm: { title: string; body: string; confirmLabel: string; keepLabel: string } }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const submit = useSubmit();
  return (
    <>
      <button type="button" ref={button} className={className} onClick={() => dialog.current?.showModal()}>{label}</button>
      <ConfirmDialog dialogRef={dialog} title={confirm.title} confirmLabel={confirm.confirmLabel} keepLabel={confirm.keepLabel} danger={className === "danger"} onConfirm={() => button.current?.form && submit(button.current.form)}>
        <p>{confirm.body}</p>
      </ConfirmDialog>
    </>
  );
}
