import { describe, expect, it } from "vitest";
import { instantToWallClock, wallClockToInstant } from "../../app/lib/zoned-time";

const instant = (local: string, zone: string) => {
  const r = wallClockToInstant(local, zone);
  if (!r.ok) throw new Error(r.error);
  return r.instant!.toISOString();
};

describe("a start time typed in the campaign form", () => {
  it("2026-03-08 03:30 in New York, just after clocks spring forward, is 07:30 UTC (EDT), not an hour later", () => {
    expect(instant("2026-03-08T03:30", "America/New_York")).toBe("2026-03-08T07:30:00.000Z");
    expect(instantToWallClock("2026-03-08T07:30:00.000Z", "America/New_York")).toBe("2026-03-08T03:30");
  });

  it("2026-03-29 01:30 in Berlin, just before clocks spring forward, is 00:30 UTC (CET), and reads back as 01:30", () => {
    expect(instant("2026-03-29T01:30", "Europe/Berlin")).toBe("2026-03-29T00:30:00.000Z");
    expect(instantToWallClock(instant("2026-03-29T01:30", "Europe/Berlin"), "Europe/Berlin")).toBe("2026-03-29T01:30");
  });

  it("2026-03-08 02:30 in New York does not exist (clocks jump from 02:00 to 03:00) and is refused with a sentence", () => {
    const r = wallClockToInstant("2026-03-08T02:30", "America/New_York");
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toBe("2026-03-08 02:30 does not exist in America/New_York: the clocks jump forward an hour that night. Choose a time outside the jump, such as 2026-03-08 03:30.");
  });

  it("a time that happens twice when clocks fall back means the first one, in several zones", () => {
    expect(instant("2026-11-01T01:30", "America/New_York")).toBe("2026-11-01T05:30:00.000Z"); // EDT, the first 01:30
    expect(instant("2026-10-25T02:30", "Europe/Berlin")).toBe("2026-10-25T00:30:00.000Z"); // CEST, the first 02:30
    expect(instant("2026-04-05T02:30", "Australia/Sydney")).toBe("2026-04-04T15:30:00.000Z"); // AEDT, the first 02:30
  });

  it("ordinary times across the year round-trip in zones with and without daylight saving", () => {
    for (const zone of ["America/New_York", "Europe/Berlin", "Australia/Sydney", "Asia/Kolkata", "UTC", "America/Los_Angeles"]) {
      for (const local of ["2026-01-15T09:00", "2026-03-29T04:00", "2026-07-01T12:45", "2026-10-25T04:00", "2026-11-02T23:59"]) {
        expect(instantToWallClock(instant(local, zone), zone)).toBe(local);
      }
    }
    expect(instant("2026-07-01T12:00", "America/Los_Angeles")).toBe("2026-07-01T19:00:00.000Z");
    expect(instant("2026-01-15T09:00", "Asia/Kolkata")).toBe("2026-01-15T03:30:00.000Z");
  });

  it("an unknown zone is refused by name", () => {
    const r = wallClockToInstant("2026-01-15T09:00", "Mars/Olympus");
    expect(!r.ok && r.error).toMatch(/Unknown time zone "Mars\/Olympus"/);
  });
});
