import CollectorCore
import ExporterHelper
import Foundation
import NIOHTTP1

/// The few S3 calls the exporter makes (PUT, and the multipart trio), signed with SigV4, path-style
/// or virtual-hosted. S3's answer decides: refused credentials, a missing bucket and bad requests are
/// permanent; throttling, timeouts and 5xx are retried.
struct S3Client: Sendable {
    let config: S3Exporter.Config
    let transport: HTTPTransport
    let signer: SigV4
    /// `scheme://host[:port]` and the path before the key, per addressing style.
    let origin: String
    let host: String
    let basePath: String

    init(config: S3Exporter.Config, transport: HTTPTransport) {
        self.config = config
        self.transport = transport
        signer = SigV4(credentials: config.credentials, region: config.region)
        let url = URL(string: config.endpoint)!
        let scheme = url.scheme ?? "https"
        let defaultPort = scheme == "https" ? 443 : 80
        let port = url.port.flatMap { $0 == defaultPort ? nil : $0 }
        let endpointHost = url.host ?? ""
        let endpointPath = url.path.split(separator: "/").joined(separator: "/")
        if config.forcePathStyle {
            host = endpointHost + (port.map { ":\($0)" } ?? "")
            basePath = (endpointPath.isEmpty ? "" : "/" + endpointPath) + "/" + config.bucket
        } else {
            host = config.bucket + "." + endpointHost + (port.map { ":\($0)" } ?? "")
            basePath = endpointPath.isEmpty ? "" : "/" + endpointPath
        }
        origin = "\(scheme)://\(host)"
    }

    func putObject(key: String, body: [UInt8], contentType: String, contentEncoding: String?) async throws(ExportFailure) {
        var headers = [("content-type", contentType)]
        if let contentEncoding { headers.append(("content-encoding", contentEncoding)) }
        _ = try await call(.PUT, key: key, query: [], headers: headers, body: body)
    }

    /// Starts a multipart upload; returns its id.
    func createMultipartUpload(key: String, contentType: String, contentEncoding: String?) async throws(ExportFailure) -> String {
        var headers = [("content-type", contentType)]
        if let contentEncoding { headers.append(("content-encoding", contentEncoding)) }
        let response = try await call(.POST, key: key, query: [("uploads", "")], headers: headers, body: [])
        guard let id = Self.xmlElement("UploadId", in: response.text) else {
            throw .retryable("S3 CreateMultipartUpload answered without an UploadId")
        }
        return id
    }

    /// Uploads one part; returns its ETag.
    func uploadPart(key: String, uploadID: String, number: Int, body: [UInt8]) async throws(ExportFailure) -> String {
        let response = try await call(.PUT, key: key, query: [("partNumber", String(number)), ("uploadId", uploadID)], headers: [], body: body)
        guard let etag = response.headers.first(name: "ETag") else { throw .retryable("S3 UploadPart answered without an ETag") }
        return etag
    }

    func completeMultipartUpload(key: String, uploadID: String, etags: [String]) async throws(ExportFailure) {
        var xml = "<CompleteMultipartUpload>"
        for (i, etag) in etags.enumerated() {
            xml += "<Part><PartNumber>\(i + 1)</PartNumber><ETag>\(Self.xmlEscape(etag))</ETag></Part>"
        }
        xml += "</CompleteMultipartUpload>"
        let response = try await call(.POST, key: key, query: [("uploadId", uploadID)], headers: [("content-type", "application/xml")], body: Array(xml.utf8))
        // S3 may answer 200 and still report an error in the body.
        if response.text.contains("<Error>") { throw Self.classify(status: 500, body: response.text) }
    }

    /// Best effort: parts of an abandoned upload would otherwise be billed until a lifecycle rule.
    func abortMultipartUpload(key: String, uploadID: String) async {
        _ = try? await call(.DELETE, key: key, query: [("uploadId", uploadID)], headers: [], body: nil)
    }

    func getObject(key: String) async throws(ExportFailure) -> [UInt8] {
        try await call(.GET, key: key, query: [], headers: [], body: nil, maxResponseBytes: 1 << 30).body
    }

    private func call(
        _ method: HTTPMethod, key: String, query: [(String, String)], headers: [(String, String)], body: [UInt8]?,
        maxResponseBytes: Int = 1 << 20
    ) async throws(ExportFailure) -> HTTPTransport.Response {
        let path = basePath + SigV4.encodePath(key)
        let payloadHash = body.map { SigV4.payloadHash($0) } ?? SigV4.emptyPayloadHash
        var all = headers
        all.append(("host", host))
        all += signer.sign(
            method: method.rawValue, path: path, query: query, headers: all, payloadHash: payloadHash,
            unixSeconds: Int64(Date().timeIntervalSince1970))
        let queryString = query.map { $0.1.isEmpty ? SigV4.encode($0.0, slash: true) : SigV4.encode($0.0, slash: true) + "=" + SigV4.encode($0.1, slash: true) }
            .joined(separator: "&")
        let url = origin + path + (queryString.isEmpty ? "" : "?" + queryString)
        let response = try await transport.send(
            method, url, headers: all, body: body, timeout: config.sending.timeout,
            maxResponseBytes: maxResponseBytes)
        guard (200..<300).contains(response.status) else {
            throw Self.classify(status: response.status, body: response.text, retryAfter: response.retryAfter)
        }
        return response
    }

    /// S3 error codes worth retrying although their status is 4xx.
    static let retryableCodes: Set<String> = [
        "RequestTimeout", "RequestTimeTooSkewed", "SlowDown", "InternalError", "ServiceUnavailable",
        "OperationAborted", "Throttling", "ThrottlingException", "RequestLimitExceeded",
    ]

    static func classify(status: UInt, body: String, retryAfter: Duration? = nil) -> ExportFailure {
        let code = xmlElement("Code", in: body)
        let message = xmlElement("Message", in: body)
        let summary = "S3 \(status)\(code.map { " \($0)" } ?? "")\(message.map { ": \($0)" } ?? "")"
        if let code, retryableCodes.contains(code) { return .retryable(summary, retryAfter: retryAfter) }
        return .http(status, summary, retryAfter: retryAfter)
    }

    /// The text of the first `<name>…</name>` (S3 answers are small, flat XML).
    static func xmlElement(_ name: String, in xml: String) -> String? {
        guard let open = xml.range(of: "<\(name)>"), let close = xml.range(of: "</\(name)>", range: open.upperBound..<xml.endIndex) else { return nil }
        var text = String(xml[open.upperBound..<close.lowerBound])
        if text.hasPrefix("<![CDATA["), text.hasSuffix("]]>") { return String(text.dropFirst(9).dropLast(3)) }
        text = xmlUnescape(text)
        return text
    }

    static func xmlEscape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func xmlUnescape(_ s: String) -> String {
        s.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&lt;", with: "<")
            .replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&amp;", with: "&")
    }
}
