extension PIIScanner {
    // MARK: - E-mail, URLs, IPv6

    /// At `@`: the local part back to its start, the domain forward; a dotted domain with a
    /// top-level label of letters or punycode (`xn--…`). Domain labels may be internationalised
    /// (`alice@exämple.com`); a final label that starts in ASCII ends where ASCII letters do, so text
    /// written right after an address (`…@example.comです`) is not taken with it.
    func email(_ t: UnsafeBufferPointer<UInt8>, at: Int, after floor: Int) -> (Int, Int)? {
        var s = at
        while s > floor, ByteClass.table[Int(t[s - 1])] & ByteClass.emailLocal != 0 { s -= 1 }
        while s < at, t[s] == UInt8(ascii: ".") { s += 1 }
        guard s < at, t[at - 1] != UInt8(ascii: ".") else { return nil }
        let n = t.count
        var e = at + 1
        var dots: [Int] = []
        var labelLength = 0
        func label(_ c: UInt8) -> Bool { isAlnum(c) || c >= 0x80 }
        while e < n {
            let c = t[e]
            if label(c) || c == UInt8(ascii: "-") {
                labelLength += 1
            } else if c == UInt8(ascii: "."), labelLength > 0, e + 1 < n, label(t[e + 1]) {
                dots.append(e)
                labelLength = 0
            } else {
                break
            }
            e += 1
        }
        // The last label that makes a top-level domain ends the address: `a@example.com.x` (a key
        // or a path going on after it) is `a@example.com`.
        for (k, dot) in dots.enumerated().reversed() where dot > at + 1 {
            let labelEnd = k + 1 < dots.count ? dots[k + 1] : e
            if let end = topLevelEnd(t, dot + 1, labelEnd) { return (s, end) }
        }
        return nil
    }

    /// Where a top-level label starting at `first` ends: punycode (`xn--…`) whole; letters, where a
    /// label that starts in ASCII ends with its ASCII letters (`…@example.comです`). nil when it is none.
    func topLevelEnd(_ t: UnsafeBufferPointer<UInt8>, _ first: Int, _ e: Int) -> Int? {
        guard e - first >= 2 else { return nil }
        if e - first > 4, lower(t[first]) == UInt8(ascii: "x"), lower(t[first + 1]) == UInt8(ascii: "n"),
            t[first + 2] == UInt8(ascii: "-"), t[first + 3] == UInt8(ascii: "-")
        {
            return e
        }
        var end = first
        if t[first] >= 0x80 {
            while end < e, t[end] >= 0x80 { end += 1 }
        } else {
            while end < e, isAlpha(t[end]) { end += 1 }
        }
        guard end - first >= 2, end == e || t[end] >= 0x80 else { return nil }
        return end
    }

    /// At `:` of `scheme://user:password@host`: the user information (the host stays).
    func urlCredentials(_ t: UnsafeBufferPointer<UInt8>, at colon: Int) -> (Int, Int)? {
        let n = t.count
        guard colon + 2 < n, t[colon + 1] == UInt8(ascii: "/"), t[colon + 2] == UInt8(ascii: "/"), colon >= 2 else { return nil }
        var k = colon
        while k > 0, isAlpha(t[k - 1]) || isDigit(t[k - 1]) || t[k - 1] == UInt8(ascii: "+") || t[k - 1] == UInt8(ascii: ".") { k -= 1 }
        guard colon - k >= 2, isAlpha(t[k]) else { return nil }
        let s = colon + 3
        var e = s
        var hasColon = false
        while e < n {
            let c = t[e]
            if c == UInt8(ascii: "@") { break }
            if c == UInt8(ascii: ":") { hasColon = true }
            if c == UInt8(ascii: "/") || c == UInt8(ascii: "?") || c == UInt8(ascii: "#") || c <= 0x20 || c == UInt8(ascii: "\"")
                || c == UInt8(ascii: "'") || c == UInt8(ascii: "<") || c == UInt8(ascii: ">") || c == UInt8(ascii: "\\")
            {
                return nil
            }
            e += 1
            if e - s > 512 { return nil }
        }
        guard e < n, e > s, hasColon || e - s >= 16 else { return nil }
        return (s, e)
    }

    /// At a `:`: an IPv6 address around it (1–4 hex digits a group, one `::` at most, an optional
    /// dotted IPv4 tail), parsed, not pattern-matched; short compressed forms such as `a::b` (C++
    /// scopes, not addresses) are not taken.
    func ipv6(_ t: UnsafeBufferPointer<UInt8>, colon: Int, after floor: Int) -> (Int, Int)? {
        let n = t.count
        var s = colon
        while s > floor, isHex(t[s - 1]), colon - s < 4 { s -= 1 }
        if s > 0, isWord(t[s - 1]) || t[s - 1] == UInt8(ascii: ":") || t[s - 1] == UInt8(ascii: ".") { return nil }
        var e = colon
        while e < n, isHex(t[e]) || t[e] == UInt8(ascii: ":") || t[e] == UInt8(ascii: ".") { e += 1 }
        while e > colon, t[e - 1] == UInt8(ascii: ".") { e -= 1 }
        if e < n, isWord(t[e]) { return nil }
        guard e - s >= 6, parseIPv6(t, s, e) else { return nil }
        return (s, e)
    }

    func parseIPv6(_ t: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int) -> Bool {
        var i = s
        var groups = 0
        var compressed = false
        if e - s >= 2, t[s] == UInt8(ascii: ":") {
            guard t[s + 1] == UInt8(ascii: ":") else { return false }
            compressed = true
            i = s + 2
            if i == e { return false }
        }
        while i < e {
            let g = i
            while i < e, isHex(t[i]), i - g < 5 { i += 1 }
            let len = i - g
            if i < e, t[i] == UInt8(ascii: ".") {
                // An IPv4 tail ends the address.
                guard let end = ipv4(t, g), end == e else { return false }
                groups += 2
                i = e
                break
            }
            guard len >= 1, len <= 4 else { return false }
            groups += 1
            if i == e { break }
            guard t[i] == UInt8(ascii: ":") else { return false }
            i += 1
            if i < e, t[i] == UInt8(ascii: ":") {
                if compressed { return false }
                compressed = true
                i += 1
                if i == e { break }
            } else if i == e {
                return false
            }
        }
        return compressed ? groups >= 2 && groups <= 7 : groups == 8
    }
}
