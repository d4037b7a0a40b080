import CollectorCore
import ExporterHelper
import ComponentModel
import Logging
import OTLP
import Foundation

/// Forwards batches as OTLP/HTTP. Answers as the OTLP specification says: 429, 502, 503 and 504 are
/// retried (honouring `Retry-After`), every other non-2xx is permanent; spans a peer refuses in a
/// `partial_success` are counted as dropped (`reason: rejected_by_peer`).
public final class OTLPHTTPExporter: Exporter {
    public let id: String
    public let needsRecords = false
    let config: OTLPHTTPExporter.Config
    let transport: HTTPTransport
    let counters: Counters?
    let logger: Logger

    public init(config: Config, settings: ComponentSettings) throws(ExportFailure) {
        self.id = settings.id.description
        self.config = config
        self.counters = settings.counters
        self.logger = settings.logger
        transport = try HTTPTransport(tls: config.tls)
    }

    public func export(_ item: ExportItem) async throws(ExportFailure) {
        guard let url = config.urls[item.signal] else {
            throw .permanent("no \(item.signal.rawValue)_endpoint: give endpoint (a base URL) or \(item.signal.rawValue)_endpoint")
        }
        let bodies = config.json ? OTLPBodies.json(item.parts) : OTLPBodies.protobuf(item.parts, limit: config.maxRequestBytes)
        for body in bodies {
            var headers = config.headers
            headers.append(("Content-Type", config.json ? "application/json" : "application/x-protobuf"))
            let response = try await transport.post(url, headers: headers, body: body, compression: config.compression, timeout: config.sending.timeout)
            guard (200..<300).contains(response.status) else {
                throw Self.classify(status: response.status, body: response.text, retryAfter: response.retryAfter)
            }
            if !config.json, let partial = OTLPResponse.partialSuccess(protobuf: response.body), partial.rejectedSpans > 0 {
                counters?.add(.exporterItems(item.signal, .dropped), Int(partial.rejectedSpans), ["exporter": id, "reason": "rejected_by_peer"])
                logger.warning(
                    "the peer refused \(item.signal.items)",
                    metadata: ["exporter": "\(id)", "\(item.signal.items)": "\(partial.rejectedSpans)", "message": "\(partial.message)"])
            }
        }
    }

    public func shutdown() async { await transport.shutdown() }

    static func classify(status: UInt, body: String, retryAfter: Duration?) -> ExportFailure {
        let summary = "OTLP/HTTP \(status): \(body.prefix(300).trimmingCharacters(in: .whitespacesAndNewlines))"
        return [429, 502, 503, 504].contains(status) ? .retryable(summary, retryAfter: retryAfter) : .permanent(summary)
    }
}
