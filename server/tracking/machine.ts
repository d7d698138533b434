import { BlockList, isIPv4, isIPv6 } from "node:net";

/**
 * Opens and clicks that no person made: mail privacy proxies that fetch every
 * image on delivery (Apple Mail Privacy Protection presents a bare
 * "Mozilla/5.0"), and security gateways that follow every link of a message
 * before the reader sees it (Microsoft Safe Links, Proofpoint, Mimecast,
 * Barracuda…). They are recorded and still answered (a scanner must never
 * break the link), flagged machine with the reasons on the event, and kept
 * out of the human figures. See docs/decisions/020-machine-clicks.md.
 *
 * What can be told from the request alone is judged here; how soon after the
 * send it came, in the statement that records the hit (hits.ts); other links
 * of the email clicked in the same burst, by the fold before the click is
 * counted (fold.ts, kept in click_bursts beside the log: decision 023).
 */
export type MachineReason =
  | "head" // a HEAD request: link checkers and prefetchers, never a browser following a link
  | "decoy" // the hidden link no person can see or reach
  | "no-agent" // no User-Agent at all
  | "privacy-proxy" // the bare "Mozilla/5.0" of Apple's and Yahoo's image proxies
  | "scanner-agent" // a User-Agent on the list below
  | "scanner-network" // an address on the list below
  | "early" // within seconds of the send
  | "burst"; // several links of one email within a few seconds

/** Known scanner and proxy User-Agents: add a line to recognise another one. */
export const SCANNER_AGENTS: ReadonlyArray<{ who: string; pattern: RegExp }> = [
  { who: "generic bots and crawlers", pattern: /bot\b|crawler|spider|preview|headless|phantomjs|scan/i },
  { who: "HTTP libraries", pattern: /^(curl|wget|python-requests|python-urllib|go-http-client|java\/|okhttp|axios|node-fetch|undici|libwww-perl|apache-httpclient)/i },
  { who: "Microsoft Safe Links / Defender", pattern: /safelinks|microsoft office protection|ms-office-protection|microsoft.*defender/i },
  { who: "Proofpoint", pattern: /proofpoint|pphosted/i },
  { who: "Mimecast", pattern: /mimecast/i },
  { who: "Barracuda", pattern: /barracuda/i },
  { who: "other gateways", pattern: /symantec|forcepoint|trendmicro|trend micro|sophos|fortinet|fortiguard|cisco.*(ironport|secure email)|zscaler|checkpoint|avanan|yahoomailproxy/i },
];

/**
 * Networks of mail security gateways whose link scanners fetch from them
 * (published ranges of the vendors' scanning infrastructure). Add a line to
 * recognise another one. Apple's proxy network only opens (fetches images):
 * a click from it is a person behind iCloud Private Relay, so it is listed
 * for opens only.
 */
export const SCANNER_NETWORKS: ReadonlyArray<{ who: string; cidr: string; opensOnly?: boolean }> = [
  { who: "Microsoft Exchange Online Protection", cidr: "40.92.0.0/15" },
  { who: "Microsoft Exchange Online Protection", cidr: "40.107.0.0/16" },
  { who: "Microsoft Exchange Online Protection", cidr: "52.100.0.0/14" },
  { who: "Microsoft Exchange Online Protection", cidr: "104.47.0.0/17" },
  { who: "Proofpoint", cidr: "148.163.128.0/19" },
  { who: "Proofpoint", cidr: "67.231.144.0/20" },
  { who: "Proofpoint", cidr: "205.220.160.0/19" },
  { who: "Mimecast", cidr: "205.139.110.0/24" },
  { who: "Mimecast", cidr: "207.211.30.0/24" },
  { who: "Mimecast", cidr: "216.205.24.0/24" },
  { who: "Mimecast", cidr: "170.10.128.0/21" },
  { who: "Mimecast", cidr: "91.220.42.0/24" },
  { who: "Barracuda", cidr: "64.235.144.0/20" },
  { who: "Barracuda", cidr: "209.222.80.0/21" },
  { who: "Apple Mail Privacy Protection", cidr: "17.0.0.0/8", opensOnly: true },
];

/** An open or a click this soon after the send is a machine: no person reads that fast. */
export const MACHINE_OPEN_WINDOW_MS = 5_000;
export const MACHINE_CLICK_WINDOW_MS = 10_000;
/** Two different links of one email clicked within this of each other: a scanner walking the message. */
export const BURST_WINDOW_MS = 3_000;

function blockList(clicks: boolean): BlockList {
  const list = new BlockList();
  for (const n of SCANNER_NETWORKS) {
    if (clicks && n.opensOnly) continue;
    const [address, bits] = n.cidr.split("/");
    list.addSubnet(address!, Number(bits), isIPv6(address!) ? "ipv6" : "ipv4");
  }
  return list;
}
const networks = { opened: blockList(false), clicked: blockList(true) };

const inNetworks = (kind: "opened" | "clicked", ip: string | undefined) => {
  if (!ip) return false;
  const bare = ip.startsWith("::ffff:") && isIPv4(ip.slice(7)) ? ip.slice(7) : ip;
  if (isIPv4(bare)) return networks[kind].check(bare, "ipv4");
  return isIPv6(bare) && networks[kind].check(bare, "ipv6");
};

export interface HitRequest {
  method?: string;
  userAgent?: string;
  ip?: string;
  decoy?: boolean;
}

/**
 * The reasons a request alone gives to call an open or a click a machine's
 * (none: it may be a person; hits.ts adds "early", the fold "burst"). A click
 * before any open is not among them: a person whose mail client never loads
 * images clicks without opening.
 */
export function requestReasons(kind: "opened" | "clicked", req: HitRequest): MachineReason[] {
  const reasons: MachineReason[] = [];
  const ua = (req.userAgent ?? "").trim();
  if (req.method?.toUpperCase() === "HEAD") reasons.push("head");
  if (req.decoy) reasons.push("decoy");
  if (!ua) reasons.push("no-agent");
  else if (ua === "Mozilla/5.0") reasons.push("privacy-proxy");
  else if (SCANNER_AGENTS.some((s) => s.pattern.test(ua))) reasons.push("scanner-agent");
  if (inNetworks(kind, req.ip)) reasons.push("scanner-network");
  return reasons;
}

/** Kept for callers that only need a yes or no on an open (the webhook path). */
export function isMachineOpen(userAgent: string | undefined, sentAt: Date | null, now = new Date()): boolean {
  if (requestReasons("opened", { userAgent }).length) return true;
  return sentAt !== null && now.getTime() - sentAt.getTime() < MACHINE_OPEN_WINDOW_MS;
}
