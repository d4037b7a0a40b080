import Foundation
import TestSupport
import Testing

/// The receivers' TLS, probed with `openssl s_client`: TLS 1.0 and 1.1 are refused, and in TLS 1.2
/// only forward-secret AEAD suites (ECDHE with GCM or ChaCha20) are offered, on both transports;
/// `min_version: "1.3"` refuses TLS 1.2 too.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct ReceiverTLSTests {
    /// One handshake: the protocol negotiated, or nil when it failed.
    static func handshake(_ port: Int, _ options: [String], alpn: Bool) throws -> String? {
        var args = ["openssl", "s_client", "-brief", "-connect", "127.0.0.1:\(port)"] + options
        if alpn { args += ["-alpn", "h2"] }
        let (_, out) = try Scripts.command(["sh", "-c", args.map { "'\($0)'" }.joined(separator: " ") + " </dev/null"])
        guard let line = out.split(separator: "\n").first(where: { $0.hasPrefix("Protocol version:") }) else { return nil }
        return line.split(separator: ":").last?.trimmingCharacters(in: .whitespaces)
    }

    static let legacy = "DEFAULT:@SECLEVEL=0"  // lets the client offer what its defaults would not

    @Test(arguments: ["1.2", "1.3"])
    func onlyModernVersionsAndForwardSecretAEADCiphers(_ minVersion: String) async throws {
        let dir = NSTemporaryDirectory() + "genai-tls-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let made = try Scripts.command([
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", dir + "/key.pem", "-out", dir + "/cert.pem",
        ])
        #expect(made.0 == 0, "\(made.1)")
        let tls = "tls: {cert_file: \"\(dir)/cert.pem\", key_file: \"\(dir)/key.pem\", min_version: \"\(minVersion)\"}"
        let yaml = """
            receivers: {otlp: {protocols: {http: {endpoint: "127.0.0.1:0", \(tls)}, grpc: {endpoint: "127.0.0.1:0", \(tls)}}}}
            exporters: {debug: {}}
            service:
              telemetry: {metrics: {address: "127.0.0.1:0"}}
              pipelines: {traces: {receivers: [otlp], exporters: [debug]}}
            """
        let collector = try await CollectorProcess(yaml: yaml, servers: ["otlp/http", "otlp/grpc", "metrics"])
        defer { collector.stop() }
        let (http, grpc, metrics) = (collector.port("otlp/http"), collector.port("otlp/grpc"), collector.port("metrics"))
        for (port, alpn) in [(http, false), (grpc, true)] {
            let results = try await offPool { () -> [String: String] in
                var r: [String: String] = [:]
                let probes: [(String, [String])] = [
                    ("tls1.0", ["-tls1", "-cipher", Self.legacy]),
                    ("tls1.1", ["-tls1_1", "-cipher", Self.legacy]),
                    ("rsa-cbc", ["-tls1_2", "-cipher", "AES128-SHA:" + Self.legacy]),
                    ("rsa-gcm", ["-tls1_2", "-cipher", "AES128-GCM-SHA256:@SECLEVEL=0"]),
                    ("ecdhe-cbc", ["-tls1_2", "-cipher", "ECDHE-RSA-AES128-SHA:@SECLEVEL=0"]),
                    ("ecdhe-gcm", ["-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256"]),
                    ("ecdhe-chacha", ["-tls1_2", "-cipher", "ECDHE-RSA-CHACHA20-POLY1305"]),
                    ("tls1.3", ["-tls1_3"]),
                ]
                for (name, options) in probes { r[name] = try Self.handshake(port, options, alpn: alpn) ?? "refused" }
                return r
            }
            let tls12 = minVersion == "1.2" ? "TLSv1.2" : "refused"
            #expect(
                results == [
                    "tls1.0": "refused", "tls1.1": "refused", "rsa-cbc": "refused", "rsa-gcm": "refused", "ecdhe-cbc": "refused",
                    "ecdhe-gcm": tls12, "ecdhe-chacha": tls12, "tls1.3": "TLSv1.3",
                ], "port \(port) (alpn \(alpn))")
        }
    }
}
