import { describe, expect, it } from "vitest";
import { countSegments, OPT_OUT_LINE, withOptOut, withoutOptOut } from "../../shared/sms-segments";

describe("SMS segments as carriers count them", () => {
  it("GSM-7: 160 in one message, 153 a segment after; extension characters take two", () => {
    expect(countSegments("a".repeat(160))).toMatchObject({ encoding: "GSM-7", units: 160, segments: 1 });
    expect(countSegments("a".repeat(161))).toMatchObject({ encoding: "GSM-7", units: 161, segments: 2, perSegment: 153 });
    expect(countSegments("a".repeat(306))).toMatchObject({ segments: 2 });
    expect(countSegments("a".repeat(307))).toMatchObject({ segments: 3 });
    expect(countSegments("€".repeat(80))).toMatchObject({ encoding: "GSM-7", units: 160, segments: 1 });
    expect(countSegments("é ñ ü à Ä £ ¥ @")).toMatchObject({ encoding: "GSM-7" });
  });

  it("one character outside GSM-7 makes the whole message UCS-2: 70 in one, 67 a segment, an emoji two units", () => {
    expect(countSegments("a".repeat(69) + "’")).toMatchObject({ encoding: "UCS-2", units: 70, segments: 1, unicode: ["’"] });
    expect(countSegments("a".repeat(70) + "—")).toMatchObject({ encoding: "UCS-2", units: 71, segments: 2, perSegment: 67 });
    expect(countSegments("🙂")).toMatchObject({ encoding: "UCS-2", units: 2, segments: 1 });
  });

  it("the opt-out line is added once and can be taken off for the form", () => {
    expect(withOptOut("Hi there")).toBe(`Hi there\n${OPT_OUT_LINE}`);
    expect(withOptOut(`Hi there\n${OPT_OUT_LINE}`)).toBe(`Hi there\n${OPT_OUT_LINE}`);
    expect(withOptOut("Hi there reply stop to opt out")).toBe("Hi there reply stop to opt out");
    expect(withoutOptOut(`Hi there\n${OPT_OUT_LINE}`)).toBe("Hi there");
  });
});
