/// Validation steps of the structured detectors: a shape alone is not enough.
enum Checksums {
    /// Luhn over ASCII digits.
    static func luhn(_ digits: [UInt8]) -> Bool {
        var sum = 0
        var double = false
        for d in digits.reversed() {
            var v = Int(d &- 0x30)
            if double {
                v *= 2
                if v > 9 { v -= 9 }
            }
            sum += v
            double.toggle()
        }
        return sum % 10 == 0
    }

    /// Issuer prefixes of the card networks (Visa, Mastercard, Amex, Discover, JCB, Diners, UnionPay,
    /// Maestro) with their lengths, so that a long number passing Luhn by chance is not a card.
    static func plausibleCard(_ d: [UInt8]) -> Bool {
        func prefix(_ n: Int) -> Int {
            var v = 0
            for i in 0..<min(n, d.count) { v = v * 10 + Int(d[i] &- 0x30) }
            return v
        }
        let n = d.count
        let p4 = prefix(4)
        // Maestro (12–19 digits) ranges, old UK ones included.
        if [5018, 5020, 5038, 5893, 6304, 6390, 6759, 6761, 6762, 6763, 604].contains(p4) || (56...58).contains(prefix(2)) {
            return (12...19).contains(n)
        }
        if p4 == 2131 || p4 == 1800 { return n == 15 }  // JCB, 15 digits
        switch d[0] {
        case 0x34: return n == 13 || n == 16 || n == 19  // Visa
        case 0x35: return (51...55).contains(prefix(2)) && n == 16  // Mastercard
        case 0x32: return (2221...2720).contains(p4) && n == 16  // Mastercard 2-series
        case 0x33:
            let p2 = prefix(2)
            if p2 == 34 || p2 == 37 { return n == 15 }  // Amex
            if p2 == 35 { return (16...19).contains(n) }  // JCB (3528–3589, and test ranges around it)
            if (300...305).contains(prefix(3)) || p2 == 36 || p2 == 38 || p2 == 39 { return (14...19).contains(n) }  // Diners
            return false
        case 0x36:
            if p4 == 6011 || prefix(2) == 65 || (644...649).contains(prefix(3)) { return (16...19).contains(n) }  // Discover
            if prefix(2) == 62 { return (16...19).contains(n) }  // UnionPay
            return false
        default: return false
        }
    }

    /// IBAN lengths by country (ISO 13616 registry facts).
    static let ibanLengths: [UInt16: Int] = {
        let table: [(String, Int)] = [
            ("AD", 24), ("AE", 23), ("AL", 28), ("AT", 20), ("AZ", 28), ("BA", 20), ("BE", 16), ("BG", 22), ("BH", 22), ("BI", 27),
            ("BR", 29), ("BY", 28), ("CH", 21), ("CR", 22), ("CY", 28), ("CZ", 24), ("DE", 22), ("DJ", 27), ("DK", 18), ("DO", 28),
            ("EE", 20), ("EG", 29), ("ES", 24), ("FI", 18), ("FK", 18), ("FO", 18), ("FR", 27), ("GB", 22), ("GE", 22), ("GI", 23),
            ("GL", 18), ("GR", 27), ("GT", 28), ("HR", 21), ("HU", 28), ("IE", 22), ("IL", 23), ("IQ", 23), ("IS", 26), ("IT", 27),
            ("JO", 30), ("KW", 30), ("KZ", 20), ("LB", 28), ("LC", 32), ("LI", 21), ("LT", 20), ("LU", 20), ("LV", 21), ("LY", 25),
            ("MC", 27), ("MD", 24), ("ME", 22), ("MK", 19), ("MN", 20), ("MR", 27), ("MT", 31), ("MU", 30), ("NI", 28), ("NL", 18),
            ("NO", 15), ("OM", 23), ("PK", 24), ("PL", 28), ("PS", 29), ("PT", 25), ("QA", 29), ("RO", 24), ("RS", 22), ("RU", 33),
            ("SA", 24), ("SC", 31), ("SD", 18), ("SE", 24), ("SI", 19), ("SK", 24), ("SM", 27), ("SO", 23), ("ST", 25), ("SV", 28),
            ("TL", 23), ("TN", 24), ("TR", 26), ("UA", 29), ("VA", 22), ("VG", 24), ("XK", 20),
        ]
        var out: [UInt16: Int] = [:]
        for (code, length) in table {
            let u = Array(code.utf8)
            out[UInt16(u[0]) << 8 | UInt16(u[1])] = length
        }
        return out
    }()

    /// ISO 7064 mod 97-10 over an IBAN's letters and digits (country and check digits moved to the end).
    static func ibanMod97(_ chars: [UInt8]) -> Bool {
        guard chars.count > 4 else { return false }
        var remainder = 0
        func feed(_ c: UInt8) -> Bool {
            switch c {
            case 0x30...0x39: remainder = (remainder * 10 + Int(c - 0x30)) % 97
            case 0x41...0x5A: remainder = (remainder * 100 + Int(c - 0x41 + 10)) % 97
            default: return false
            }
            return true
        }
        for c in chars[4...] where !feed(c) { return false }
        for c in chars[..<4] where !feed(c) { return false }
        return remainder == 1
    }

    /// US SSN rules: area 001–899 except 666, group 01–99, serial 0001–9999.
    static func validSSN(area: Int, group: Int, serial: Int) -> Bool {
        area >= 1 && area <= 899 && area != 666 && group >= 1 && serial >= 1
    }
}
