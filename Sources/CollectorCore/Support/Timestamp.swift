/// ISO-8601 formatting of Unix nanoseconds, truncated to milliseconds as Langfuse stores them.
public enum Timestamp {
    /// `2026-11-29T16:22:30.123Z`. Nanoseconds are truncated, never rounded.
    public static func iso8601Millis(unixNanos: UInt64) -> String {
        iso8601(millis: Int64(unixNanos / 1_000_000))
    }

    public static func iso8601(millis raw: Int64) -> String {
        String(unsafeUninitializedCapacity: 24) { out in
            iso8601(millis: raw, into: out.baseAddress!)
            return 24
        }
    }

    /// The 24 bytes of `iso8601(millis:)`, written at `out`.
    public static func iso8601(millis raw: Int64, into out: UnsafeMutablePointer<UInt8>) {
        // Four-digit years only: clamp to 0000-01-01 ... 9999-12-31.
        let millis = min(max(raw, -62_167_219_200_000), 253_402_300_799_999)
        var ms = millis % 1000
        var secs = millis / 1000
        if ms < 0 { ms += 1000; secs -= 1 }
        var days = secs / 86_400
        var rem = secs % 86_400
        if rem < 0 { rem += 86_400; days -= 1 }
        let (y, m, d) = civil(fromDays: days)
        func put(_ v: Int64, _ width: Int, at: Int) {
            var x = v
            for k in stride(from: at + width - 1, through: at, by: -1) {
                out[k] = UInt8(48 + x % 10)
                x /= 10
            }
        }
        put(y, 4, at: 0); out[4] = 45; put(m, 2, at: 5); out[7] = 45; put(d, 2, at: 8); out[10] = 84
        put(rem / 3600, 2, at: 11); out[13] = 58; put(rem / 60 % 60, 2, at: 14); out[16] = 58; put(rem % 60, 2, at: 17)
        out[19] = 46; put(ms, 3, at: 20); out[23] = 90
    }

    /// Days since 1970-01-01 to a proleptic Gregorian date (Hinnant's civil_from_days).
    public static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }

    /// A proleptic Gregorian date to days since 1970-01-01 (Hinnant's days_from_civil).
    public static func days(fromCivil date: (year: Int64, month: Int64, day: Int64)) -> Int64 {
        let (y, m, d) = date
        let yy = m <= 2 ? y - 1 : y
        let era = (yy >= 0 ? yy : yy - 399) / 400
        let yoe = yy - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// `2024-05-17T10:32:11.123Z` (or with an offset, or without fraction) as epoch milliseconds.
    public static func millis(iso text: String) -> Int64? {
        let b = Array(text.utf8)
        func num(_ s: Int, _ n: Int) -> Int64? {
            guard s + n <= b.count else { return nil }
            var v: Int64 = 0
            for k in s..<(s + n) {
                guard b[k] >= 0x30 && b[k] <= 0x39 else { return nil }
                v = v * 10 + Int64(b[k] - 0x30)
            }
            return v
        }
        guard b.count >= 19, let y = num(0, 4), let mo = num(5, 2), let d = num(8, 2), let h = num(11, 2), let mi = num(14, 2),
            let sec = num(17, 2), (1...12).contains(mo), (1...31).contains(d)
        else { return nil }
        var i = 19
        var ms: Int64 = 0
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            var digits = 0
            while i < b.count, b[i] >= 0x30 && b[i] <= 0x39 {
                if digits < 3 { ms = ms * 10 + Int64(b[i] - 0x30) }
                digits += 1
                i += 1
            }
            // Fewer than three digits are scaled up; more were cut (a range of digits..<3 would trap).
            if digits < 3 { for _ in digits..<3 { ms *= 10 } }
        }
        var offset: Int64 = 0
        if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
            guard let oh = num(i + 1, 2), let om = num(i + 4, 2) else { return nil }
            offset = (oh * 60 + om) * 60_000 * (b[i] == UInt8(ascii: "+") ? 1 : -1)
        }
        let days = Timestamp.days(fromCivil: (Int64(y), Int64(mo), Int64(d)))
        return ((days * 86_400 + h * 3600 + mi * 60 + sec) * 1000 + ms) - offset
    }

    /// Parses the ISO-8601 forms Langfuse accepts for `completion_start_time`
    /// (`YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`); true when it is a date.
    public static func isISO8601Date(_ text: String) -> Bool {
        let b = Array(text.utf8)
        func digits(_ r: Range<Int>) -> Bool { r.upperBound <= b.count && b[r].allSatisfy { $0 >= 48 && $0 <= 57 } }
        guard b.count >= 10, digits(0..<4), b[4] == 45, digits(5..<7), b[7] == 45, digits(8..<10) else { return false }
        if b.count == 10 { return true }
        guard b.count >= 19, b[10] == 84 || b[10] == 32, digits(11..<13), b[13] == 58, digits(14..<16), b[16] == 58,
            digits(17..<19)
        else { return false }
        var i = 19
        if i < b.count, b[i] == 46 {
            i += 1
            let s = i
            while i < b.count, b[i] >= 48, b[i] <= 57 { i += 1 }
            if i == s { return false }
        }
        if i == b.count { return true }
        if b[i] == 90 { return i + 1 == b.count }
        if b[i] == 43 || b[i] == 45 {
            let rest = b.count - i - 1
            return (rest == 5 && digits(i + 1..<i + 3) && b[i + 3] == 58 && digits(i + 4..<i + 6))
                || (rest == 4 && digits(i + 1..<i + 5)) || (rest == 2 && digits(i + 1..<i + 3))
        }
        return false
    }
}
