import Processors
import Testing

/// Hand-written hard cases for each detector: what must be found (exactly that substring), and
/// near-misses that must not be.
@Suite(.timeLimit(.minutes(5)))
struct RedactionScannerTests {
    static func found(_ text: String) -> [(Detector, String)] {
        var out: [ScanMatch] = []
        let bytes = Array(text.utf8)
        bytes.withUnsafeBufferPointer { PIIScanner().scan($0, into: &out) }
        return out.map { (Detector.allCases[$0.rule], String(decoding: bytes[$0.start..<$0.end], as: UTF8.self)) }
    }

    static let positives: [(String, Detector, String)] = [
        ("write to jane.doe+tag@example.co.uk today", .email, "jane.doe+tag@example.co.uk"),
        ("<a href=\"mailto:x_y@sub.domain.org\">", .email, "x_y@sub.domain.org"),
        ("Contact: ANNA.SMITH@EXAMPLE.COM.", .email, "ANNA.SMITH@EXAMPLE.COM"),
        ("call +1 (415) 555-0132 now", .phone, "+1 (415) 555-0132"),
        ("call +44 20 7946 0958.", .phone, "+44 20 7946 0958"),
        ("tel +4930123456789", .phone, "+4930123456789"),
        ("office (415) 555-0132 ext. 21", .phone, "(415) 555-0132 ext. 21"),
        ("cell 415-555-0132", .phone, "415-555-0132"),
        ("cell 415.555.0132x123", .phone, "415.555.0132x123"),
        ("ring 001-415-555-0132", .phone, "001-415-555-0132"),
        ("ring 020 7946 0958", .phone, "020 7946 0958"),
        ("appelle 06 12 34 56 78", .phone, "06 12 34 56 78"),
        ("card 4111 1111 1111 1111 exp", .creditCard, "4111 1111 1111 1111"),
        ("card 4111-1111-1111-1111", .creditCard, "4111-1111-1111-1111"),
        ("amex 378282246310005", .creditCard, "378282246310005"),
        ("mc 5555555555554444;", .creditCard, "5555555555554444"),
        ("iban DE89 3704 0044 0532 0130 00 thanks", .iban, "DE89 3704 0044 0532 0130 00"),
        ("iban GB82WEST12345698765432", .iban, "GB82WEST12345698765432"),
        ("ssn 123-45-6789.", .usSSN, "123-45-6789"),
        ("from 192.168.1.20 port", .ipAddress, "192.168.1.20"),
        ("v6 2001:db8:85a3::8a2e:370:7334 ok", .ipAddress, "2001:db8:85a3::8a2e:370:7334"),
        ("link-local fe80::1ff:fe23:4567:890a%eth0", .ipAddress, "fe80::1ff:fe23:4567:890a"),
        ("full 2001:0db8:0000:0000:0000:ff00:0042:8329", .ipAddress, "2001:0db8:0000:0000:0000:ff00:0042:8329"),
        (
            "token eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U end",
            .jwt, "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
        ),
        ("OPENAI_API_KEY=sk-proj-AbCdEf0123456789GhIjKlMnOp", .openAIKey, "sk-proj-AbCdEf0123456789GhIjKlMnOp"),
        ("key sk-ant-api03-AbCdEf0123456789GhIjKlMnOpQr", .anthropicKey, "sk-ant-api03-AbCdEf0123456789GhIjKlMnOpQr"),
        ("id AKIAIOSFODNN7EXAMPLE", .awsAccessKey, "AKIAIOSFODNN7EXAMPLE"),
        ("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", .awsSecretKey, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        ("{\"SecretAccessKey\": \"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\"}", .awsSecretKey, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        ("gh ghp_16C7e42F292c6912E7710c838347Ae178B4a", .githubToken, "ghp_16C7e42F292c6912E7710c838347Ae178B4a"),
        ("slack xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOp", .slackToken, "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOp"),
        ("maps AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe", .googleAPIKey, "AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe"),
        ("Authorization: Bearer abcdef0123456789ABCDEF.xyz", .bearerToken, "abcdef0123456789ABCDEF.xyz"),
        (
            "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\ntail", .privateKey,
            "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----"
        ),
        ("db postgres://admin:s3cr3t@db.internal:5432/app", .urlCredentials, "admin:s3cr3t"),
    ]

    @Test(arguments: positives.indices)
    func findsExactlyTheValue(_ i: Int) {
        let (text, detector, value) = Self.positives[i]
        let got = Self.found(text)
        #expect(got.count == 1 && got.first?.0 == detector && got.first?.1 == value, "\(text): \(got)")
    }

    static let negatives: [String] = [
        "order 4111111111111112 shipped",  // fails Luhn
        "ref 1234567890123456",  // no card network, fails Luhn
        "at 2024-05-17T10:32:11Z and 1715941931123 ms",  // timestamps
        "build 10.0.19041.1 and v2.11.0 and 1.2.3",  // versions
        "uuid 550e8400-e29b-41d4-a716-446655440000",
        "sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "git 4e1243bd22c66e76c2ba9eddc1f91394e57f9f83",
        "std::vector<int> and a::b and 10:30:00",
        "ssn-shaped 000-12-3456 and 666-12-3456 and 123-00-6789",
        "IBAN-shaped DE89 3704 0044 0532 0130 01",  // bad check digits
        "ip 256.1.1.1 and 1.2.3 and 01.02.03.04",
        "sk-learn and sk-lowercaseonlylettersmuchlongerthantwenty",
        "user@localhost and @handle and a@b",
        "price 1,234,567.89 and (12) items, 555-0132",
        "http://example.com/path?user=a:b@c",  // not in the authority
        "Bearer short",
        "eyJ not a jwt.here.either",
    ]

    @Test(arguments: negatives)
    func leavesNearMissesAlone(_ text: String) {
        #expect(Self.found(text).isEmpty, "\(text): \(Self.found(text))")
    }
}
