import { countSegments } from "../../shared/sms-segments";

/** A text message as a phone shows it: the sender on top, the body in a bubble, and what it costs in segments. */
export function SmsBubble({ from, body }: { from: string; body: string }) {
  const count = countSegments(body);
  return (
    <div className="phone" aria-label={`Text message from ${from}`}>
      <div className="phone-sender small strong">{from}</div>
      <p className="sms-bubble">{body}</p>
      <div className="muted small">{count.segments} {count.segments === 1 ? "segment" : "segments"} · {count.encoding}</div>
    </div>
  );
}
