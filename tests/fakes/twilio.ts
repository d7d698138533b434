import { createHmac, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { countSegments } from "../../shared/sms-segments";

export interface FakeMessage {
  sid: string;
  to: string;
  from: string | null;
  messagingServiceSid: string | null;
  body: string;
  status: string;
  statusCallback: string | null;
  dateCreated: Date;
  errorCode: number | null;
  /** When the message reached a final status (delivered, undelivered, failed): Twilio prices it some time after. */
  settledAt: Date | null;
}

/** Twilio's opt-out keywords (Advanced Opt-Out defaults) and opt-in keywords. */
const STOP_WORDS = ["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE"];
const START_WORDS = ["START", "UNSTOP", "YES"];

/**
 * How Twilio signs a webhook (X-Twilio-Signature): HMAC-SHA1 with the auth
 * token over the full URL followed by every POST parameter, sorted by name,
 * as name then value with nothing between; base64. Written here from
 * Twilio's documentation, apart from the SDK the server verifies with.
 */
export function twilioSignature(authToken: string, url: string, params: Record<string, string>): string {
  const data = Object.keys(params).sort().reduce((acc, key) => acc + key + params[key], url);
  return createHmac("sha1", authToken).update(Buffer.from(data, "utf-8")).digest("base64");
}

const sidOf = (prefix: string) => prefix + randomBytes(16).toString("hex");
const FINAL = ["delivered", "undelivered", "failed"];
const rfc2822 = (d: Date) => d.toUTCString().replace("GMT", "+0000");
const E164 = /^\+[1-9][0-9]{6,14}$/;

/**
 * A local stand-in for Twilio's Programmable Messaging API, strict like the
 * real one:
 *  - POST /2010-04-01/Accounts/{AccountSid}/Messages.json, form-encoded,
 *    HTTP basic auth with the account SID and auth token (20003 otherwise);
 *    Twilio's validation errors with their codes and JSON error body
 *    ({code, message, more_info, status}): 21604 no To, 21602 no Body, 21603
 *    no From, 21211 invalid To, 21606 a From that is not one of the
 *    account's numbers, 21617 a body over 1,600 characters, 21610 a number
 *    that texted STOP to that sender;
 *  - a per-sender-number rate limit (`mps` messages a second): 429 with
 *    error 20429;
 *  - GET …/Messages.json?To=&From=&PageSize= (newest first), as the SDK's list() reads it;
 *  - GET …/Messages/{MessageSid}.json (20404 for an unknown SID), whose
 *    `price` is null until `priceDelayMs` after the message settled (a
 *    final status), then the charge as Twilio writes it: negative, five
 *    decimals, per segment ("-0.00790"), in `priceUnit`; a failed message
 *    costs "0.00000";
 *  - status callbacks (queued, sent, then delivered / undelivered / failed
 *    with an ErrorCode) POSTed to each message's StatusCallback, signed with
 *    X-Twilio-Signature;
 *  - inbound messages (`inbound()`) POSTed to the inbound webhook URL,
 *    signed; STOP words opt the number out of that sender (Twilio then
 *    refuses it with 21610) and START words opt it back in, as Twilio's
 *    Advanced Opt-Out does, and the message is still passed on.
 * Faults: `failNext` (the next create calls answer these statuses), `dropAfterAccept`
 * (the next N creates are accepted, then the connection is cut before the answer).
 */
export async function startTwilioFake(options: { accountSid?: string; authToken?: string; numbers?: string[]; mps?: number } = {}) {
  const accountSid = options.accountSid ?? `AC${"0123456789abcdef".repeat(2)}`;
  const authToken = options.authToken ?? "fake_twilio_auth_token_0123456789";
  const state = {
    numbers: new Set(options.numbers ?? ["+15005550006"]),
    /** Messages a second per sender number (Twilio's long code default is 1; tests raise it). */
    mps: options.mps ?? 10,
    messages: [] as FakeMessage[],
    creates: 0,
    rateLimited: 0,
    failNext: [] as number[],
    dropAfterAccept: 0,
    /** Called when a message is accepted, before the answer (a test can crash the caller here). */
    onAccepted: null as null | ((m: FakeMessage) => void),
    /** The final status for a number (default delivered) and its error code. */
    outcomes: new Map<string, { status: "delivered" | "undelivered" | "failed"; errorCode?: number }>(),
    /** "auto": callbacks go out by themselves; "manual": they wait for flushCallbacks(). */
    callbacks: "auto" as "auto" | "manual",
    inboundUrl: null as string | null,
    /** (sender, recipient) pairs opted out with STOP. */
    optedOut: new Set<string>(),
    callbackResults: [] as Array<{ url: string; status: number; params: Record<string, string> }>,
    /** What a segment costs (positive; written negative on the message) and in which currency; how long after settling Twilio has the price. */
    pricePerSegment: "0.00790",
    priceUnit: "USD",
    priceDelayMs: 30_000,
    /** GETs of one message (price lookups). */
    fetches: 0,
  };
  const buckets = new Map<string, { tokens: number; last: number }>();
  const pending: Array<() => Promise<void>> = [];
  let flushing: Promise<void> = Promise.resolve();

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(JSON.stringify(body));
  };
  const error = (res: ServerResponse, status: number, code: number, message: string, headers: Record<string, string> = {}) =>
    send(res, status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status }, headers);

  const segments = (m: FakeMessage) => Math.max(1, countSegments(m.body).segments);
  /** null until priceDelayMs after the message settled, as Twilio does; then -(segments × pricePerSegment), five decimals. */
  const priceOf = (m: FakeMessage) => {
    if (!m.settledAt || Date.now() < m.settledAt.getTime() + state.priceDelayMs) return null;
    if (m.status === "failed") return "0.00000";
    const perSegment = Math.round(Number(state.pricePerSegment) * 100_000);
    return `-${((perSegment * segments(m)) / 100_000).toFixed(5)}`;
  };
  const resource = (m: FakeMessage) => ({
    sid: m.sid, account_sid: accountSid, to: m.to, from: m.from, messaging_service_sid: m.messagingServiceSid, body: m.body, status: m.status,
    num_segments: String(segments(m)), num_media: "0", direction: "outbound-api", api_version: "2010-04-01", price: priceOf(m), price_unit: state.priceUnit,
    error_code: m.errorCode, error_message: null, date_created: rfc2822(m.dateCreated), date_updated: rfc2822(m.dateCreated), date_sent: null,
    uri: `/2010-04-01/Accounts/${accountSid}/Messages/${m.sid}.json`, subresource_uris: { media: `/2010-04-01/Accounts/${accountSid}/Messages/${m.sid}/Media.json` },
  });

  async function post(url: string, params: Record<string, string>) {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": twilioSignature(authToken, url, params), "user-agent": "TwilioProxy/1.1" },
      body: new URLSearchParams(params),
    }).catch(() => null);
    const status = res?.status ?? 0;
    await res?.text().catch(() => "");
    state.callbackResults.push({ url, status, params });
    return status;
  }

  function queueCallbacks(m: FakeMessage) {
    if (!m.statusCallback) return;
    const url = m.statusCallback;
    const outcome = state.outcomes.get(m.to) ?? { status: "delivered" as const };
    const base = { AccountSid: accountSid, ApiVersion: "2010-04-01", MessageSid: m.sid, SmsSid: m.sid, From: m.from ?? "", To: m.to, ...(m.messagingServiceSid ? { MessagingServiceSid: m.messagingServiceSid } : {}) };
    const statuses: Array<Record<string, string>> = [
      { MessageStatus: "sent", SmsStatus: "sent" },
      outcome.status === "delivered" ? { MessageStatus: "delivered", SmsStatus: "delivered" } : { MessageStatus: outcome.status, SmsStatus: outcome.status, ErrorCode: String(outcome.errorCode ?? 30003) },
    ];
    pending.push(async () => {
      for (const s of statuses) {
        m.status = s.MessageStatus!;
        if (FINAL.includes(m.status)) m.settledAt = new Date();
        await post(url, { ...base, ...s });
      }
    });
    if (state.callbacks === "auto") void flush();
  }

  function flush(): Promise<void> {
    flushing = flushing.then(async () => {
      while (pending.length) await pending.shift()!();
    });
    return flushing;
  }

  const messagesPath = `/2010-04-01/Accounts/${accountSid}/Messages.json`;
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString();
    const url = new URL(req.url ?? "/", "http://fake");

    const expected = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString("base64")}`;
    if (req.headers.authorization !== expected) return error(res, 401, 20003, "Authenticate", { "www-authenticate": 'Basic realm="Twilio API"' });
    if (!url.pathname.startsWith(`/2010-04-01/Accounts/${accountSid}/`)) return error(res, 404, 20404, `The requested resource ${url.pathname} was not found`);

    if (req.method === "GET" && url.pathname === messagesPath) {
      const to = url.searchParams.get("To");
      const from = url.searchParams.get("From");
      const size = Math.min(1000, Number(url.searchParams.get("PageSize") ?? 50) || 50);
      const found = state.messages.filter((m) => (!to || m.to === to) && (!from || m.from === from)).slice().reverse().slice(0, size);
      return send(res, 200, {
        messages: found.map(resource), page: 0, page_size: size, start: 0, end: Math.max(0, found.length - 1),
        uri: `${messagesPath}?PageSize=${size}&Page=0`, first_page_uri: `${messagesPath}?PageSize=${size}&Page=0`, next_page_uri: null, previous_page_uri: null,
      });
    }
    const one = /^\/2010-04-01\/Accounts\/[^/]+\/Messages\/([^/]+)\.json$/.exec(url.pathname);
    if (req.method === "GET" && one) {
      state.fetches++;
      const found = state.messages.find((m) => m.sid === one[1]);
      if (!found) return error(res, 404, 20404, `The requested resource ${url.pathname} was not found`);
      return send(res, 200, resource(found));
    }
    if (req.method !== "POST" || url.pathname !== messagesPath) return error(res, 405, 20004, "Method not allowed");
    if (!/application\/x-www-form-urlencoded/.test(req.headers["content-type"] ?? "")) return error(res, 400, 20001, "Content-Type must be application/x-www-form-urlencoded");
    state.creates++;
    const form = new URLSearchParams(raw);
    const to = form.get("To");
    const from = form.get("From");
    const service = form.get("MessagingServiceSid");
    const body = form.get("Body");
    const sender = from ?? service ?? "";

    const forced = state.failNext.shift();
    if (forced) return error(res, forced, forced === 503 ? 20503 : 20500, "Service unavailable");

    // Per sender: `mps` a second, bursts up to one second's worth.
    const now = Date.now();
    const bucket = buckets.get(sender) ?? { tokens: state.mps, last: now };
    bucket.tokens = Math.min(state.mps, bucket.tokens + ((now - bucket.last) / 1000) * state.mps);
    bucket.last = now;
    buckets.set(sender, bucket);
    if (bucket.tokens < 1) {
      state.rateLimited++;
      return error(res, 429, 20429, "Too Many Requests");
    }
    bucket.tokens -= 1;

    if (!to) return error(res, 400, 21604, "A 'To' phone number is required.");
    if (!body) return error(res, 400, 21602, "Message body is required.");
    if (!from && !service) return error(res, 400, 21603, "A 'From' phone number is required.");
    if (!E164.test(to)) return error(res, 400, 21211, `Invalid 'To' Phone Number: ${to}`);
    if (from && !state.numbers.has(from)) return error(res, 400, 21606, `The From phone number ${from} is not a valid, SMS-capable inbound phone number or short code for your account.`);
    if (service && !/^MG[0-9a-f]{32}$/.test(service)) return error(res, 400, 21703, "The Messaging Service Sid is invalid.");
    if (body.length > 1600) return error(res, 400, 21617, "The concatenated message body exceeds the 1600 character limit.");
    if (state.optedOut.has(`${sender}|${to}`)) return error(res, 400, 21610, "Attempt to send to unsubscribed recipient");

    const message: FakeMessage = {
      sid: sidOf("SM"), to, from: from ?? (service ? [...state.numbers][0]! : null), messagingServiceSid: service, body,
      status: service ? "accepted" : "queued", statusCallback: form.get("StatusCallback"), dateCreated: new Date(), errorCode: null, settledAt: null,
    };
    state.messages.push(message);
    state.onAccepted?.(message);
    queueCallbacks(message);
    if (state.dropAfterAccept > 0) {
      state.dropAfterAccept--;
      req.socket.destroy(); // accepted, but the answer never arrives
      return;
    }
    send(res, 201, resource(message));
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    accountSid,
    authToken,
    state,
    /** Sends every queued status callback now (and waits until they are answered). */
    flushCallbacks: flush,
    /**
     * A text from `from` to one of the account's numbers, POSTed to the inbound
     * webhook as Twilio does (signed). STOP / START words change the opt-out
     * list first. Returns Herald's HTTP status.
     */
    async inbound(message: { from: string; to: string; body: string }, overrides: { signature?: string } = {}) {
      if (!state.inboundUrl) throw new Error("set state.inboundUrl first");
      const word = message.body.trim().toUpperCase();
      const params: Record<string, string> = {
        MessageSid: sidOf("SM"), SmsSid: "", SmsMessageSid: "", AccountSid: accountSid, From: message.from, To: message.to, Body: message.body,
        NumMedia: "0", NumSegments: "1", SmsStatus: "received", ApiVersion: "2010-04-01",
      };
      params.SmsSid = params.MessageSid!;
      params.SmsMessageSid = params.MessageSid!;
      if (STOP_WORDS.includes(word)) {
        state.optedOut.add(`${message.to}|${message.from}`);
        params.OptOutType = "STOP";
      } else if (START_WORDS.includes(word)) {
        state.optedOut.delete(`${message.to}|${message.from}`);
        params.OptOutType = "START";
      }
      const res = await fetch(state.inboundUrl, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": overrides.signature ?? twilioSignature(authToken, state.inboundUrl, params) },
        body: new URLSearchParams(params),
      });
      await res.text();
      return { status: res.status, messageSid: params.MessageSid! };
    },
    /** Messages accepted more than once for the same number and body (among those accepted from index `from` on). */
    duplicates(from = 0) {
      const seen = new Map<string, number>();
      for (const m of state.messages.slice(from)) seen.set(`${m.to}|${m.body}`, (seen.get(`${m.to}|${m.body}`) ?? 0) + 1);
      return [...seen.values()].filter((n) => n > 1).length;
    },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
