import Exporters
@testable import ExporterHelper
import Testing

/// AWS Signature Version 4 against the published vectors (the SigV4 test suite's get-vanilla,
/// query-order and post-vanilla; the S3 API reference's GET Object, PUT Object, GET lifecycle and
/// list-objects examples).
@Suite(.timeLimit(.minutes(5)))
struct SigV4Tests {
    static let suite = SigV4(
        credentials: .init(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
        region: "us-east-1", service: "service")
    static let s3 = SigV4(
        credentials: .init(accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        region: "us-east-1")
    static let suiteTime: Int64 = 1_440_938_160  // 2015-08-30T12:36:00Z
    static let s3Time: Int64 = 1_369_353_600  // 2013-05-24T00:00:00Z

    func authorization(_ headers: [(String, String)]) -> String { headers.first { $0.0 == "authorization" }?.1 ?? "" }

    @Test func timestamps() {
        #expect(SigV4.timestamps(Self.suiteTime) == ("20150830T123600Z", "20150830"))
        #expect(SigV4.timestamps(Self.s3Time) == ("20130524T000000Z", "20130524"))
        #expect(SigV4.timestamps(951_825_600) == ("20000229T120000Z", "20000229"))  // a leap day
    }

    @Test(
        arguments: [
            ("GET", [(String, String)](), "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
            ("GET", [("Param2", "value2"), ("Param1", "value1")], "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"),
            ("POST", [], "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"),
        ] as [(String, [(String, String)], String)])
    func testSuiteVectors(_ method: String, _ query: [(String, String)], _ signature: String) {
        let h = Self.suite.sign(
            method: method, path: "/", query: query, headers: [("Host", "example.amazonaws.com")],
            payloadHash: SigV4.emptyPayloadHash, unixSeconds: Self.suiteTime)
        #expect(
            authorization(h)
                == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=\(signature)")
        #expect(!h.contains { $0.0 == "x-amz-content-sha256" })  // only S3 signs the payload hash header
    }

    @Test func s3GetObject() {
        let h = Self.s3.sign(
            method: "GET", path: "/test.txt", query: [], headers: [("Host", "examplebucket.s3.amazonaws.com"), ("Range", "bytes=0-9")],
            payloadHash: SigV4.emptyPayloadHash, unixSeconds: Self.s3Time)
        #expect(
            authorization(h)
                == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
        )
        #expect(h.contains { $0 == ("x-amz-content-sha256", SigV4.emptyPayloadHash) })
    }

    /// The payload hash is computed from the body itself, and the key is encoded once (`$` → `%24`).
    @Test func s3PutObject() {
        let body = Array("Welcome to Amazon S3.".utf8)
        let hash = SigV4.payloadHash(body)
        #expect(hash == "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072")
        #expect(SigV4.encodePath("test$file.text") == "/test%24file.text")
        let h = Self.s3.sign(
            method: "PUT", path: SigV4.encodePath("test$file.text"), query: [],
            headers: [
                ("Host", "examplebucket.s3.amazonaws.com"), ("Date", "Fri, 24 May 2013 00:00:00 GMT"),
                ("x-amz-storage-class", "REDUCED_REDUNDANCY"),
            ],
            payloadHash: hash, unixSeconds: Self.s3Time)
        #expect(
            authorization(h).hasSuffix(
                "SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class, Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"
            ))
        // Another body under the same headers signs differently.
        let other = Self.s3.sign(
            method: "PUT", path: SigV4.encodePath("test$file.text"), query: [],
            headers: [
                ("Host", "examplebucket.s3.amazonaws.com"), ("Date", "Fri, 24 May 2013 00:00:00 GMT"),
                ("x-amz-storage-class", "REDUCED_REDUNDANCY"),
            ],
            payloadHash: SigV4.payloadHash(Array("Welcome to Amazon S3!".utf8)), unixSeconds: Self.s3Time)
        #expect(authorization(other) != authorization(h))
    }

    @Test(
        arguments: [
            ([("lifecycle", "")], "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"),
            ([("max-keys", "2"), ("prefix", "J")], "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"),
        ] as [([(String, String)], String)])
    func s3BucketQueries(_ query: [(String, String)], _ signature: String) {
        let h = Self.s3.sign(
            method: "GET", path: "/", query: query, headers: [("Host", "examplebucket.s3.amazonaws.com")],
            payloadHash: SigV4.emptyPayloadHash, unixSeconds: Self.s3Time)
        #expect(authorization(h).hasSuffix("Signature=\(signature)"))
    }

    @Test func keysAndSessionTokens() {
        #expect(SigV4.encodePath("prefix/year=2026/a b/ü.jsonl") == "/prefix/year%3D2026/a%20b/%C3%BC.jsonl")
        #expect(SigV4.encode("a/b", slash: true) == "a%2Fb")
        let temporary = SigV4(credentials: .init(accessKeyID: "A", secretAccessKey: "S", sessionToken: "T"), region: "eu-frankfurt-1")
        let h = temporary.sign(method: "GET", path: "/", query: [], headers: [("Host", "h")], payloadHash: SigV4.emptyPayloadHash, unixSeconds: 0)
        #expect(h.contains { $0 == ("x-amz-security-token", "T") })
        #expect(authorization(h).contains("SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token"))
    }
}
