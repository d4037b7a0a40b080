import CollectorCore
import ExporterHelper
import Crypto

/// AWS Signature Version 4 for requests to S3 and S3-compatible stores (AWS, OCI Object Storage's S3
/// API, MinIO, Ceph): canonical request, string to sign, derived key, `Authorization` header.
/// Pure: the clock and the payload hash are inputs, so the published test vectors check it exactly.
public struct SigV4: Sendable {
    public struct Credentials: Sendable, Equatable {
        public var accessKeyID: String
        public var secretAccessKey: String
        /// Temporary credentials add `x-amz-security-token`.
        public var sessionToken: String?

        public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
            self.accessKeyID = accessKeyID
            self.secretAccessKey = secretAccessKey
            self.sessionToken = sessionToken
        }
    }

    public let credentials: Credentials
    public let region: String
    public let service: String

    public init(credentials: Credentials, region: String, service: String = "s3") {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// The SHA-256 of an empty payload.
    public static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    public static func payloadHash(_ body: [UInt8]) -> String { hex(SHA256.hash(data: body)) }

    /// The headers to add to the request (`x-amz-date`, `x-amz-content-sha256` for S3,
    /// `x-amz-security-token` with temporary credentials, `authorization`).
    /// - `path`: the canonical URI, already percent-encoded once (`encodePath`).
    /// - `headers`: the other headers to sign (`host` is required; names in any case).
    /// - `unixSeconds`: the signing time.
    public func sign(
        method: String, path: String, query: [(String, String)], headers: [(String, String)],
        payloadHash: String, unixSeconds: Int64
    ) -> [(String, String)] {
        let (amzDate, day) = Self.timestamps(unixSeconds)
        var added: [(String, String)] = [("x-amz-date", amzDate)]
        if service == "s3" { added.append(("x-amz-content-sha256", payloadHash)) }
        if let token = credentials.sessionToken { added.append(("x-amz-security-token", token)) }
        var all: [(String, String)] = (headers + added).map { (h: (String, String)) -> (String, String) in (h.0.lowercased(), Self.trim(h.1)) }
        all.sort { (a: (String, String), b: (String, String)) -> Bool in a.0 < b.0 }
        let signedHeaders = all.map(\.0).joined(separator: ";")
        let canonical = canonicalRequest(method: method, path: path, query: query, headers: all, signedHeaders: signedHeaders, payloadHash: payloadHash)
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let stringToSign = "AWS4-HMAC-SHA256\n\(amzDate)\n\(scope)\n\(Self.hex(SHA256.hash(data: Array(canonical.utf8))))"
        let signature = Self.hex(HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: signingKey(day: day)))
        added.append(
            ("authorization", "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope), SignedHeaders=\(signedHeaders), Signature=\(signature)"))
        return added
    }

    func canonicalRequest(
        method: String, path: String, query: [(String, String)], headers: [(String, String)],
        signedHeaders: String, payloadHash: String
    ) -> String {
        var pairs: [(String, String)] = query.map { (Self.encode($0.0, slash: true), Self.encode($0.1, slash: true)) }
        pairs.sort { (a: (String, String), b: (String, String)) -> Bool in a.0 == b.0 ? a.1 < b.1 : a.0 < b.0 }
        let q: String = pairs.map { (p: (String, String)) -> String in p.0 + "=" + p.1 }.joined(separator: "&")
        let h: String = headers.map { (p: (String, String)) -> String in p.0 + ":" + p.1 + "\n" }.joined()
        return "\(method)\n\(path.isEmpty ? "/" : path)\n\(q)\n\(h)\n\(signedHeaders)\n\(payloadHash)"
    }

    func signingKey(day: String) -> SymmetricKey {
        func mac(_ key: SymmetricKey, _ text: String) -> SymmetricKey {
            SymmetricKey(data: Array(HMAC<SHA256>.authenticationCode(for: Array(text.utf8), using: key)))
        }
        let date = mac(SymmetricKey(data: Array(("AWS4" + credentials.secretAccessKey).utf8)), day)
        return mac(mac(mac(date, region), service), "aws4_request")
    }

    /// An object key as a canonical URI path: each segment percent-encoded once (RFC 3986 unreserved
    /// characters kept), slashes kept.
    public static func encodePath(_ key: String) -> String {
        "/" + key.split(separator: "/", omittingEmptySubsequences: false).map { encode(String($0), slash: true) }.joined(separator: "/")
    }

    /// Percent-encoding with upper-case hex; everything but `A-Z a-z 0-9 - _ . ~` (and `/` when
    /// `slash` is false).
    public static func encode(_ s: String, slash: Bool) -> String {
        PercentEncoding.encode(s, keepSlash: !slash)
    }

    /// Header values: outer spaces trimmed, inner runs of spaces folded to one.
    static func trim(_ v: String) -> String {
        v.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
    }

    /// `20130524T000000Z` and `20130524`.
    public static func timestamps(_ unixSeconds: Int64) -> (String, String) {
        let days = unixSeconds >= 0 ? unixSeconds / 86_400 : (unixSeconds - 86_399) / 86_400
        let secs = unixSeconds - days * 86_400
        let (y, m, d) = Timestamp.civil(fromDays: days)
        func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let day = "\(y)\(two(m))\(two(d))"
        return ("\(day)T\(two(secs / 3600))\(two(secs / 60 % 60))\(two(secs % 60))Z", day)
    }

    static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 { Hex.string(digest) }
}
