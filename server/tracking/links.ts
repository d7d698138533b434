import { timingSafeEqual } from "node:crypto";
import { hmacSha256 } from "../lib/hmac";
import { signToken } from "./tokens";

/**
 * Click tracking: every http(s) link in an email's HTML points at
 * /c/<token>, where the token signs the campaign, the scheduled email and the
 * original URL together. The redirect goes only where a genuine token says,
 * so /c is never an open redirect. An open pixel is added before </body>,
 * and a hidden decoy link no person can see or reach: only a machine walking
 * the message follows it (machine.ts). A decoy token's URL starts with "!".
 */
const mac = (secret: string, payload: string) => hmacSha256(secret, `click:${payload}`).toString("base64url").slice(0, 22);

export function signClick(secret: string, campaignId: number, scheduledEmailId: number, url: string, options: { decoy?: boolean } = {}): string {
  const payload = Buffer.from(`${campaignId}.${scheduledEmailId}.${options.decoy ? "!" : ""}${url}`).toString("base64url");
  return `${payload}.${mac(secret, payload)}`;
}

export function verifyClick(secret: string, token: string): { campaignId: number; scheduledEmailId: number; url: string; decoy: boolean } | null {
  if (token.length > 6000) return null;
  const dot = token.lastIndexOf(".");
  if (dot < 1) return null;
  const payload = token.slice(0, dot);
  const expected = Buffer.from(mac(secret, payload));
  const given = Buffer.from(token.slice(dot + 1));
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  const decoded = Buffer.from(payload, "base64url").toString();
  const [campaignId, scheduledEmailId] = decoded.split(".", 2).map(Number);
  const rest = decoded.slice(decoded.indexOf(".", decoded.indexOf(".") + 1) + 1);
  const decoy = rest.startsWith("!");
  const url = decoy ? rest.slice(1) : rest;
  if (!Number.isSafeInteger(campaignId) || !Number.isSafeInteger(scheduledEmailId) || !/^https?:\/\//i.test(url)) return null;
  return { campaignId: campaignId!, scheduledEmailId: scheduledEmailId!, url, decoy };
}

const HREF = /(<a\b[^>]*?\bhref\s*=\s*)(["'])(https?:\/\/[^"']+)\2/gi;

export function addTracking(html: string, options: { publicUrl: string; secret: string; campaignId: number; scheduledEmailId: number }): string {
  const { publicUrl, secret, campaignId, scheduledEmailId } = options;
  const tracked = html.replace(HREF, (_m, start: string, quote: string, url: string) => {
    if (url.startsWith(`${publicUrl}/u/`)) return `${start}${quote}${url}${quote}`;
    const decoded = url.replace(/&amp;/g, "&");
    return `${start}${quote}${publicUrl}/c/${signClick(secret, campaignId, scheduledEmailId, decoded)}${quote}`;
  });
  // No text, hidden from sight, screen readers and the tab order: nobody reaches it but a machine.
  const decoy = `<a href="${publicUrl}/c/${signClick(secret, campaignId, scheduledEmailId, `${publicUrl}/`, { decoy: true })}" style="display:none" aria-hidden="true" tabindex="-1"></a>`;
  const pixel = `${decoy}<img src="${publicUrl}/o/${signToken(secret, { purpose: "o", campaignId, scheduledEmailId })}.gif" width="1" height="1" alt="" style="display:none">`;
  return /<\/body>/i.test(tracked) ? tracked.replace(/<\/body>/i, `${pixel}</body>`) : `${tracked}\n${pixel}`;
}
