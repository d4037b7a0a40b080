extension PIIScanner {
    // MARK: - Numbers: SSN, cards, IPv4, national phone numbers

    /// Digit groups from `i` joined by single separators (space, dash, dot, slash, underscore): their
    /// sizes, the separator kinds, the digits and where the run ends. Held inline (no heap per number).
    struct Groups {
        var sizes = SmallSizes()
        var digits = SmallDigits()
        /// Bit set: 1 space, 2 dash, 4 dot, 8 slash, 16 underscore; `dotsFirst3`: the first three
        /// separators are dots.
        var separators = 0
        var dotsFirst3 = true
        var separatorCount = 0
        var end = 0
    }

    func groups(_ t: UnsafeBufferPointer<UInt8>, _ start: Int, maxDigits: Int = 24) -> Groups {
        var g = Groups()
        var i = start
        let n = t.count
        while true {
            let s = i
            while i < n, isDigit(t[i]), g.digits.count <= maxDigits {
                g.digits.append(t[i])
                i += 1
            }
            g.sizes.append(i - s)
            g.end = i
            guard i + 1 < n, g.sizes.count < 8, g.digits.count <= maxDigits else { break }
            let sep = t[i]
            guard let bit = Self.separatorBit(sep), isDigit(t[i + 1]) else { break }
            g.separators |= bit
            if g.separatorCount < 3 && sep != UInt8(ascii: ".") { g.dotsFirst3 = false }
            g.separatorCount += 1
            i += 1
        }
        return g
    }

    @inline(__always) static func separatorBit(_ c: UInt8) -> Int? {
        switch c {
        case UInt8(ascii: " "): return 1
        case UInt8(ascii: "-"): return 2
        case UInt8(ascii: "."): return 4
        case UInt8(ascii: "/"): return 8
        case UInt8(ascii: "_"): return 16
        default: return nil
        }
    }

    func numeric(_ t: UnsafeBufferPointer<UInt8>, _ i: Int) -> (Detector, Int, Int)? {
        // A digit group is judged with the groups before it: a sequence the first group did not
        // start as a finding is not searched again from its middle (`DE89 3704 0044 0532 …`).
        if i >= 2, Self.separatorBit(t[i - 1]) != nil, isDigit(t[i - 2]) {
            return nil
        }
        let n = t.count
        // Most numbers are short and stand alone: nothing can match them (every finding needs a
        // separator, or 10+ digits led by 0, or 12+ digits), so they cost no group parsing.
        var k = i
        while k < n, isDigit(t[k]) { k += 1 }
        let continues =
            k + 1 < n && Self.separatorBit(t[k]) != nil
            && (isDigit(t[k + 1]) || t[k + 1] == UInt8(ascii: "(")) || k < n && t[k] == UInt8(ascii: "(")
        if !continues && (k - i < 10 || k - i < 12 && t[i] != 0x30) { return nil }
        let g = groups(t, i)
        // The run must end at a word boundary (a trailing sentence dot is fine).
        func boundary(_ e: Int) -> Bool { e >= n || !isWord(t[e]) }
        let sizes = g.sizes
        let sepBits = g.separators
        if on(.usSSN), sizes.is(0x324, 3), sepBits == 1 || sepBits == 2, boundary(g.end) {
            let v = (0..<9).map { Int(g.digits[$0] - 0x30) }
            if Checksums.validSSN(area: v[0] * 100 + v[1] * 10 + v[2], group: v[3] * 10 + v[4], serial: v[5] * 1000 + v[6] * 100 + v[7] * 10 + v[8]) {
                return (.usSSN, i, g.end)
            }
        }
        if on(.ipAddress), sizes.count >= 4, g.dotsFirst3 {
            if let e = ipv4(t, i), e >= n || !(isWord(t[e]) || t[e] == UInt8(ascii: ".") && e + 1 < n && isDigit(t[e + 1])) {
                return (.ipAddress, i, e)
            }
        }
        // Cards: one kind of separator (space, dash, slash, underscore; dots only between four
        // groups of four, which no IP address or version number has).
        if on(.creditCard), (12...19).contains(g.digits.count), sepBits.nonzeroBitCount <= 1,
            sepBits != 4 || (sizes.count == 4 && sizes.allFourButLast && g.digits.count == 16),
            sizes.count == 1 || sizes.allFourButLast || sizes.is(0x465, 3) || sizes.is(0x464, 3),
            boundary(g.end), Checksums.plausibleCard(g.digits.array), Checksums.luhn(g.digits.array)
        {
            return (.creditCard, i, g.end)
        }
        if on(.phone), let e = phoneNumber(t, i) { return (.phone, i, e) }
        return nil
    }

    func ipv4(_ t: UnsafeBufferPointer<UInt8>, _ start: Int) -> Int? {
        var i = start
        for part in 0..<4 {
            var v = 0, len = 0
            while i < t.count, isDigit(t[i]), len < 4 {
                v = v * 10 + Int(t[i] - 0x30)
                len += 1
                i += 1
            }
            guard len >= 1, len <= 3, v <= 255, !(len > 1 && t[i - len] == 0x30) else { return nil }
            if part < 3 {
                guard i < t.count, t[i] == UInt8(ascii: ".") else { return nil }
                i += 1
            }
        }
        return i
    }

    /// A phone number from `+`, `(` or a digit at a word start: digit groups joined by single
    /// separators (space, dash, dot) or parentheses (`(0161)`, the trunk `(0)`), then classified:
    /// - `+` and 8–15 digits (E.164; a `(0)` trunk prefix is not counted);
    /// - `00` and 10–15 digits (an international prefix);
    /// - national, with separators or an area code in parentheses, 9–12 digits: a trunk `0` first
    ///   (`020 7946 0958`, `06 12 34 56 78`, `(0161) 4960066`), or the North American 3-3-4 shape
    ///   (`(415) 555-0132`, `1 (786) 834-4978`, `415.555.0132`); dates are not taken;
    /// - a bare run only as `0[1-9]` and 10–11 digits (a European national number; ids rarely lead
    ///   with one zero).
    /// An extension (`x1234`, ` ext. 12`) is part of the match.
    func phoneNumber(_ t: UnsafeBufferPointer<UInt8>, _ start: Int) -> Int? {
        let n = t.count
        var i = start
        let plus = t[i] == UInt8(ascii: "+")
        if plus { i += 1 }
        var digits = SmallDigits()
        var sizes = SmallSizes()
        var parens = 0
        var trunk = false
        var seps = 0  // bit set: 1 space, 2 dash, 4 dot
        var end = i
        while i < n, digits.count <= 16, sizes.count < 8 {
            if isDigit(t[i]) {
                let s = i
                while i < n, isDigit(t[i]), digits.count <= 16 { digits.append(t[i]); i += 1 }
                sizes.append(i - s)
            } else if t[i] == UInt8(ascii: "("), i + 2 < n, isDigit(t[i + 1]) {
                var j = i + 1
                while j < n, isDigit(t[j]), j - i <= 5 { j += 1 }
                guard j < n, t[j] == UInt8(ascii: ")") else { break }
                if j - i == 2 && t[i + 1] == 0x30 {
                    trunk = true
                } else {
                    for k in (i + 1)..<j { digits.append(t[k]) }
                    sizes.append(j - i - 1)
                    parens += 1
                }
                i = j + 1
            } else {
                break
            }
            end = i
            guard i < n else { break }
            let c = t[i]
            if isDigit(c) || c == UInt8(ascii: "(") { continue }  // `)123` or `44(0)`
            let bit = c == UInt8(ascii: " ") ? 1 : c == UInt8(ascii: "-") ? 2 : c == UInt8(ascii: ".") ? 4 : 0
            guard bit != 0, i + 1 < n, isDigit(t[i + 1]) || t[i + 1] == UInt8(ascii: "(") else { break }
            seps |= bit
            i += 1
        }
        guard digits.count >= 3, digits.count <= 15 else { return nil }
        // A run that goes on in letters after a dash or dot (`07900030-3553-4abc…`, a UUID) is not a number.
        if end + 1 < n, t[end] == UInt8(ascii: "-") || t[end] == UInt8(ascii: "."), isAlnum(t[end + 1]) { return nil }
        let total = digits.count
        var ok = false
        if plus {
            ok = (8...15).contains(total) && digits[0] != 0x30
        } else if sizes[0] == 1 && digits[0] == 0x30 && seps & 4 != 0 {
            ok = false  // `0.0799…` is a decimal
        } else if sizes[0] >= 2, digits[0] == 0x30, digits[1] == 0x30 {
            // Not card- or IBAN-style blocks of four.
            ok = (10...15).contains(total) && digits[2] != 0x30 && sizes.count >= 2 && !sizes.allFourButLast
        } else if parens > 0 || seps != 0 || trunk {
            // One kind of separator (a space with dashes is common: `1 (786) 834-4978`).
            guard seps == 0 || seps == 1 || seps == 2 || seps == 3 || seps == 4 else { return nil }
            guard (9...12).contains(total) else { return nil }
            let dateLike = sizes.count >= 3 && (sizes[0] == 2 && sizes[1] == 2 && sizes[2] == 4 || sizes[0] == 4 && sizes[1] == 2 && sizes[2] == 2)
            if digits[0] == 0x30 {
                ok = !dateLike && digits[1] != 0x30
            } else {
                ok = sizes.is(0x334, 3) || sizes.is(0x1334, 4) && digits[0] == UInt8(ascii: "1")
            }
        } else {
            ok = digits[0] == 0x30 && digits[1] != 0x30 && (10...11).contains(total)
        }
        guard ok else { return nil }
        return extensionEnd(t, end)
    }

    /// `x1234`, ` x1234`, ` ext. 1234`, ` ext 12` after a phone number; `nil` when a letter or digit
    /// follows that is not an extension (then it was not a phone number).
    func extensionEnd(_ t: UnsafeBufferPointer<UInt8>, _ end: Int) -> Int? {
        let n = t.count
        guard end < n else { return end }
        var i = end
        if t[i] == UInt8(ascii: " ") { i += 1 }
        if i < n, t[i] == UInt8(ascii: "x") {
            i += 1
        } else if i + 3 <= n, lower(t[i]) == UInt8(ascii: "e"), lower(t[i + 1]) == UInt8(ascii: "x"), lower(t[i + 2]) == UInt8(ascii: "t") {
            i += 3
            if i < n, t[i] == UInt8(ascii: ".") { i += 1 }
            if i < n, t[i] == UInt8(ascii: " ") { i += 1 }
        } else {
            return isWord(t[end]) ? nil : end
        }
        let s = i
        while i < n, isDigit(t[i]), i - s < 6 { i += 1 }
        if i == s || (i < n && isWord(t[i])) { return isWord(t[end]) ? nil : end }
        return i
    }
}

/// Up to 32 digits, inline.
struct SmallDigits {
    private var storage: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    private(set) var count = 0

    @inline(__always) mutating func append(_ d: UInt8) {
        guard count < 32 else { count += 1; return }
        let c = count
        withUnsafeMutableBytes(of: &storage) { $0[c] = d }
        count += 1
    }

    @inline(__always) subscript(i: Int) -> UInt8 { withUnsafeBytes(of: storage) { $0[i] } }

    var array: [UInt8] { (0..<min(count, 32)).map { self[$0] } }
}

/// Up to 8 group sizes, inline, as nibbles (sizes above 15 read as 15), so a shape is one compare.
struct SmallSizes {
    private(set) var shape: UInt64 = 0
    private(set) var count = 0

    @inline(__always) mutating func append(_ size: Int) {
        shape = shape << 4 | UInt64(min(size, 15))
        count += 1
    }

    @inline(__always) subscript(i: Int) -> Int { Int(shape >> UInt64(4 * (count - 1 - i)) & 0xF) }

    /// Exactly these sizes, written as hex digits: `is(0x334, 3)` is 3-3-4.
    @inline(__always) func `is`(_ s: UInt64, _ n: Int) -> Bool { count == n && shape == s }

    /// Every group but the last has four digits (card and IBAN style blocks).
    var allFourButLast: Bool {
        guard count >= 2 else { return count == 1 ? true : false }
        for i in 0..<(count - 1) where self[i] != 4 { return false }
        return true
    }
}
