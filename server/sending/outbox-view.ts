import { verifyClick } from "../tracking/links";

/**
 * An Outbox message as a person reading it in Herald should see it, for every
 * role: no open pixel, links pointing where the email links (not through the
 * click tracker), and the unsubscribe link disarmed. Herald never records its
 * own users reading its own mail as engagement. Viewers do not see the signed
 * List-Unsubscribe URL at all: it would let them unsubscribe a recipient.
 */
export function outboxMessageForReading<T extends { html: string; text: string; headers: Record<string, string> }>(
  message: T, options: { publicUrl: string; secret: string; role: string },
): T {
  // Any origin, not only today's PUBLIC_URL: a message stored under an earlier public URL is read the same way.
  const base = `(?:${escapeRegExp(options.publicUrl.replace(/\/$/, ""))}|https?://[^\\s"'<>/]+)`;
  const pixel = new RegExp(`<img\\b[^>]*\\bsrc\\s*=\\s*["']${base}/o/[^"']*["'][^>]*>`, "gi");
  const click = new RegExp(`${base}/c/([A-Za-z0-9_.-]+)`, "g");
  const unsubscribe = new RegExp(`${base}/u/[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+`, "g");
  const untracked = (s: string) =>
    s.replace(click, (m, token: string) => verifyClick(options.secret, token)?.url.replace(/&/g, "&amp;") ?? m)
      .replace(unsubscribe, "#unsubscribe-link-disabled-in-herald");
  const html = untracked(message.html.replace(pixel, ""))
    // Anything else still pointing at Herald's tracking paths (another public URL in the past) is dropped too.
    .replace(/<img\b[^>]*\bsrc\s*=\s*["'][^"']*\/o\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.gif["'][^>]*>/gi, "");
  const text = message.text.replace(click, (m, token: string) => verifyClick(options.secret, token)?.url ?? m).replace(unsubscribe, "(unsubscribe link)");
  const headers = Object.fromEntries(
    Object.entries(message.headers).map(([k, v]) => [k, /^list-unsubscribe$/i.test(k) && options.role === "viewer" ? "(a signed one-click unsubscribe link, hidden from viewers)" : v]),
  );
  return { ...message, html, text, headers };
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
