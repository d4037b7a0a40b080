import CollectorCore
import Testing

@Suite(.timeLimit(.minutes(5)))
struct UTF8ValidationTests {
    @Test(arguments: [
        ([UInt8](), true), (Array("plain ascii, long enough for the fast path".utf8), true), (Array("héllo 日本 🎉".utf8), true),
        ([0xC0, 0x80], false), ([0xE0, 0x80, 0x80], false), ([0xED, 0xA0, 0x80], false), ([0xF4, 0x90, 0x80, 0x80], false),
        ([0xF8, 0x88, 0x80, 0x80, 0x80], false), ([0xE2, 0x82], false), ([0x80], false), ([0x41, 0x42, 0xC3], false),
    ])
    func table(_ bytes: [UInt8], _ valid: Bool) {
        #expect(UTF8Validation.isValid(bytes) == valid)
    }

    @Test func agreesWithTheStandardLibraryOnRandomBytes() {
        var state: UInt64 = 12345
        for _ in 0..<20_000 {
            var bytes: [UInt8] = []
            for _ in 0..<Int(state % 12) {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                let r = UInt8(truncatingIfNeeded: state >> 33)
                bytes.append(state % 3 == 0 ? r & 0x7F : r)
            }
            state = state &* 6_364_136_223_846_793_005 &+ 1
            let reference = String(validating: bytes, as: UTF8.self) != nil
            #expect(UTF8Validation.isValid(bytes) == reference, "\(bytes)")
        }
    }
}

@Suite(.timeLimit(.minutes(5)))
struct TimestampTests {
    @Test(arguments: [
        (UInt64(0), "1970-01-01T00:00:00.000Z"), (1_700_000_000_123_999_999, "2023-11-14T22:13:20.123Z"),
        (951_782_400_000_000_000, "2000-02-29T00:00:00.000Z"), (4_102_444_799_999_000_000, "2099-12-31T23:59:59.999Z"),
    ])
    func formatsTruncatedMilliseconds(_ nanos: UInt64, _ text: String) {
        #expect(Timestamp.iso8601Millis(unixNanos: nanos) == text)
    }

    /// Any number of fraction digits (more than three are cut, not rounded), offsets, and text that
    /// is not a time: a value, or nil, never a trap.
    @Test(arguments: [
        ("2025-11-29T07:06:40Z", Int64(1_764_400_000_000)), ("2025-11-29T07:06:40.3Z", 1_764_400_000_300),
        ("2025-11-29T07:06:40.123456789Z", 1_764_400_000_123), ("2025-11-29T09:06:40.5+02:00", 1_764_400_000_500),
        ("2025-11-29T07:06:40.123456", 1_764_400_000_123),
    ])
    func parsesISOTimesToMilliseconds(_ text: String, _ millis: Int64) {
        #expect(Timestamp.millis(iso: text) == millis)
    }

    @Test func textThatIsNotATimeIsNil() {
        for text in ["", "2025-11-29", "2025-13-29T07:06:40Z", "2025-11-29T07:06:40+0", "yesterday, 10 o'clock"] {
            #expect(Timestamp.millis(iso: text) == nil, "\(text)")
        }
    }

    @Test func outOfRangeMillisecondsAreClamped() {
        #expect(Timestamp.iso8601(millis: .min) == "0000-01-01T00:00:00.000Z")
        #expect(Timestamp.iso8601(millis: .max) == "9999-12-31T23:59:59.999Z")
        #expect(Timestamp.iso8601Millis(unixNanos: .max) == "2554-07-21T23:34:33.709Z")
    }

    @Test(arguments: [
        ("2024-05-01T10:00:00Z", true), ("2024-05-01T10:00:00.123456+02:00", true), ("2024-05-01", true),
        ("2024-05-01 10:00:00", true), ("yesterday", false), ("2024-05-01T10:00", false), ("2024-05-01T10:00:00.Z", false),
    ])
    func recognisesISODates(_ text: String, _ valid: Bool) {
        #expect(Timestamp.isISO8601Date(text) == valid)
    }
}

@Suite(.timeLimit(.minutes(5)))
struct EncodingTests {
    @Test func base64RoundTrip() {
        for n in 0..<20 {
            let bytes = (0..<n).map { UInt8(($0 * 37 + n) & 0xFF) }
            #expect(Base64.decode(Base64.encode(bytes)) == bytes)
        }
        #expect(Base64.encode(Array("hi".utf8)) == "aGk=")
        #expect(Base64.decode("a=b") == nil)
    }

    @Test func hexIDs() {
        #expect(TraceID(high: 1, low: 0xABCDEF).hex == "0000000000000001" + "0000000000abcdef")
        #expect(SpanID(0xDEADBEEF).hex == "00000000deadbeef")
        #expect(Hex.decodeWord(Array("00000000DEADBEEF".utf8)) == 0xDEADBEEF)
        #expect(Hex.decodeWord(Array("xyz".utf8)) == nil)
    }
}

@Suite(.timeLimit(.minutes(5)))
struct BoundedLabelTests {
    /// The first `limit` distinct values stay themselves (also when seen again); later ones are
    /// `other`, each replacement counted under the label's name; labels are capped separately.
    @Test func distinctValuesAreCappedThenOtherAndCounted() {
        let counters = Counters()
        let first = (0..<3).map { counters.bounded("model", "m\($0)", limit: 3) }
        #expect(first == ["m0", "m1", "m2"])
        #expect(counters.bounded("model", "m1", limit: 3) == "m1")
        #expect(counters.bounded("model", "m3", limit: 3) == "other")
        #expect(counters.bounded("model", "m4", limit: 3) == "other")
        #expect(counters.bounded("environment", "prod", limit: 3) == "prod")
        #expect(counters.value(.labelOverflow, ["label": "model"]) == 2)
        #expect(counters.value(.labelOverflow, ["label": "environment"]) == 0)
    }
}

@Suite(.timeLimit(.minutes(5)))
struct CivilDateTests {
    /// Days and dates round-trip across eras, leap days and the epoch.
    @Test func daysAndDatesRoundTrip() {
        for days: Int64 in [-719_468, -1, 0, 1, 59, 60, 11_016, 20_427, 2_932_896] {
            let (y, m, d) = Timestamp.civil(fromDays: days)
            #expect(Timestamp.days(fromCivil: (y, m, d)) == days, "\(days)")
        }
        #expect(Timestamp.days(fromCivil: (2026, 12, 5)) == 20_792)  // Python: (date(2026, 12, 5) - date(1970, 1, 1)).days
        #expect(Timestamp.civil(fromDays: 0) == (1970, 1, 1))
        #expect(Timestamp.civil(fromDays: 11_016) == (2000, 2, 29))
    }
}
