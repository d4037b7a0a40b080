/// The built-in detectors. Each is a hand-written scanner with a validation step (checksum,
/// ranges, shape, context), not a bare pattern: see `PIIScanner`.
public enum Detector: String, CaseIterable, Sendable {
    case email
    case phone
    case creditCard = "credit_card"
    case iban
    case usSSN = "us_ssn"
    case ipAddress = "ip_address"
    case jwt
    case openAIKey = "openai_key"
    case anthropicKey = "anthropic_key"
    case awsAccessKey = "aws_access_key"
    case awsSecretKey = "aws_secret_key"
    case githubToken = "github_token"
    case slackToken = "slack_token"
    case googleAPIKey = "google_api_key"
    case bearerToken = "bearer_token"
    case privateKey = "private_key"
    case urlCredentials = "url_credentials"
    case basicAuth = "basic_auth"

    /// The index in `allCases` (a switch, so the scanner's checks cost no lookup).
    public var ordinal: Int {
        switch self {
        case .email: return 0
        case .phone: return 1
        case .creditCard: return 2
        case .iban: return 3
        case .usSSN: return 4
        case .ipAddress: return 5
        case .jwt: return 6
        case .openAIKey: return 7
        case .anthropicKey: return 8
        case .awsAccessKey: return 9
        case .awsSecretKey: return 10
        case .githubToken: return 11
        case .slackToken: return 12
        case .googleAPIKey: return 13
        case .bearerToken: return 14
        case .privateKey: return 15
        case .urlCredentials: return 16
        case .basicAuth: return 17
        }
    }

    /// `<EMAIL>`, `<CREDIT_CARD>` ...
    public var placeholderName: String { rawValue.uppercased() }
}

/// What happens to a match.
public enum RedactionAction: String, Sendable, CaseIterable {
    /// Replaced with a typed placeholder, `<EMAIL>`.
    case mask
    /// Replaced with a keyed pseudonym, `<EMAIL:1f3a9c2e>`: the same value and key always give the
    /// same pseudonym, so a user can be followed across traces without being named.
    case hash
    /// The whole attribute is removed (a span name or status message is masked whole instead).
    case drop
    /// The detector does not run.
    case off
}

/// One finding in a text: bytes `start..<end`, and the rule (index into the processor's rules:
/// the built-in detectors in `Detector.allCases` order, then custom patterns and word lists).
public struct ScanMatch: Sendable, Equatable {
    public var start: Int
    public var end: Int
    public var rule: Int

    public init(start: Int, end: Int, rule: Int) {
        self.start = start
        self.end = end
        self.rule = rule
    }
}
