import CollectorCore
import ExporterHelper
import ComponentModel
import Foundation
import GenAIMapping
import Logging
import OTLP

/// Sends to Langfuse (`mode: otlp` or `ingestion`, see `LangfuseExporter.Config`). Requests are cut
/// below `max_request_bytes` at span-request (otlp) or event (ingestion) boundaries. In otlp mode a
/// batch with `gen_ai.evaluation.result` events also posts their scores as `score-create` events to
/// `/api/public/ingestion`, after the spans: Langfuse's OTel endpoint makes no scores of them.
///
/// Answers: 2xx delivered; 429 and 5xx retried (honouring `Retry-After`); 401 and 403 permanent and
/// logged as errors (the keys or the project are wrong, and every batch will fail the same way);
/// other 4xx permanent. In ingestion mode a 207 lists errors per event: retryable ones (429, 5xx) are
/// sent again in the same attempt, up to three rounds, then the batch fails as retryable (event ids
/// are stable, so events already accepted are deduplicated by Langfuse); the others are counted in
/// `genai_collector_exporter_rejected_events_total` and dropped.
public final class LangfuseExporter: Exporter {
    public let id: String
    public let needsRecords: Bool
    let config: LangfuseExporter.Config
    let transport: HTTPTransport
    let counters: Counters?
    let logger: Logger
    let authorization: String

    public init(config: Config, settings: ComponentSettings) throws(ExportFailure) {
        self.id = settings.id.description
        self.config = config
        self.counters = settings.counters
        self.logger = settings.logger
        needsRecords = config.ingestionMode
        transport = try HTTPTransport(tls: config.tls)
        authorization = "Basic " + Base64.encode("\(config.publicKey):\(config.secretKey)".utf8)
    }

    public func export(_ item: ExportItem) async throws(ExportFailure) {
        if config.ingestionMode {
            let lines = IngestionBatchEncoder().encodeLines(item.records ?? [])
            for body in IngestionRequests.split(lines, limit: config.maxRequestBytes) {
                try await sendIngestion(body)
            }
        } else {
            for body in OTLPBodies.protobuf(item.parts, limit: config.maxRequestBytes) {
                try await post(body, contentType: "application/x-protobuf")
            }
            guard Self.hasEvaluationEvents(item.parts) else { return }
            var stats = GenAITranslator.Stats()
            let lines = IngestionBatchEncoder().encodeScoreLines(GenAITranslator().translate(parts: item.parts, stats: &stats))
            // Score ids are derived, so a retry of the whole item (spans again too) stores nothing twice.
            for body in IngestionRequests.split(lines, limit: Config.ingestionBatchLimit) {
                try await sendIngestion(body)
            }
        }
    }

    public func shutdown() async { await transport.shutdown() }

    /// One POST; non-2xx answers become failures.
    @discardableResult
    func post(_ body: [UInt8], contentType: String) async throws(ExportFailure) -> HTTPTransport.Response {
        let otlp = contentType == "application/x-protobuf"
        var headers = [
            ("Authorization", authorization), ("Content-Type", contentType),
            ("x-langfuse-sdk-name", "genai-collector"), ("x-langfuse-sdk-version", CollectorVersion.current),
        ]
        if otlp { headers.append(("x-langfuse-ingestion-version", "4")) }
        let url = otlp ? config.url : config.host + "/api/public/ingestion"
        let response = try await transport.post(url, headers: headers, body: body, compression: config.compression, timeout: config.sending.timeout)
        guard (200..<300).contains(response.status) else {
            let failure = Self.classify(status: response.status, body: response.text, retryAfter: response.retryAfter)
            if response.status == 401 || response.status == 403 {
                logger.error(
                    "Langfuse refused the credentials; check public_key, secret_key and host",
                    metadata: ["exporter": "\(id)", "status": "\(response.status)", "host": "\(config.host)"])
            }
            throw failure
        }
        return response
    }

    private func sendIngestion(_ initial: IngestionRequests.Body) async throws(ExportFailure) {
        var body = initial
        var delay = Duration.milliseconds(500)
        for round in 1...3 {
            let response = try await post(body.bytes, contentType: "application/json")
            guard response.status == 207 else { return }
            // An answer that does not say which events failed says nothing was stored for sure.
            guard let errors = IngestionRequests.errors(in: response.body) else {
                let text = String(decoding: response.body.prefix(300), as: UTF8.self)
                throw .retryable("Langfuse answered 207 with a body that does not list event results: \(text)")
            }
            var retry: Set<String> = []
            for e in errors {
                if ExportFailure.isRetryable(httpStatus: e.status) {
                    retry.insert(e.id)
                } else {
                    counters?.add(.exporterRejectedEvents, 1, ["exporter": id, "status": String(e.status)])
                    logger.warning("Langfuse rejected an event", metadata: ["exporter": "\(id)", "status": "\(e.status)", "message": "\(e.message)"])
                }
            }
            if retry.isEmpty { return }
            if round == 3 { throw .retryable("Langfuse failed \(retry.count) events with retryable statuses") }
            body = body.only(retry)
            try? await Task.sleep(for: delay)
            delay *= 2
        }
    }

    /// Any span event named `gen_ai.evaluation.result`, compared as bytes (no translation otherwise).
    static func hasEvaluationEvents(_ parts: [TraceBatch]) -> Bool {
        parts.contains { b in b.events.contains { b.equals($0.name, "gen_ai.evaluation.result") } }
    }

    static func classify(status: UInt, body: String, retryAfter: Duration?) -> ExportFailure {
        let summary = "Langfuse \(status): \(body.prefix(300).trimmingCharacters(in: .whitespacesAndNewlines))"
        return .http(status, summary, retryAfter: retryAfter)
    }
}

/// Ingestion bodies cut at event boundaries, and the errors of a 207 answer.
enum IngestionRequests {
    /// `{"batch": [...]}` and the envelope ids in it, in order.
    struct Body {
        var bytes: [UInt8]
        var events: [(id: String, json: ArraySlice<UInt8>)]

        init(events: [(id: String, json: ArraySlice<UInt8>)]) {
            self.events = events
            bytes = Array("{\"batch\":[".utf8)
            for (i, e) in events.enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                bytes += e.json
            }
            bytes += Array("]}".utf8)
        }

        func only(_ ids: Set<String>) -> Body { Body(events: events.filter { ids.contains($0.id) }) }
    }

    /// Splits JSON Lines events into bodies of at most `limit` bytes (an event larger than the limit
    /// goes alone; Langfuse will answer for it).
    static func split(_ lines: [UInt8], limit: Int) -> [Body] {
        var bodies: [Body] = []
        var current: [(id: String, json: ArraySlice<UInt8>)] = []
        var size = 12
        var start = 0
        for i in lines.indices where lines[i] == 0x0A {
            let json = lines[start..<i]
            start = i + 1
            if !current.isEmpty && size + json.count + 1 > limit {
                bodies.append(Body(events: current))
                current = []
                size = 12
            }
            current.append((envelopeID(json), json))
            size += json.count + 1
        }
        if !current.isEmpty { bodies.append(Body(events: current)) }
        return bodies
    }

    /// The envelope's `id`: the encoder writes it as the first member.
    static func envelopeID(_ json: ArraySlice<UInt8>) -> String {
        guard let value = try? JSONParser().parse(Array(json)), let id = value["id"]?.stringValue else { return "" }
        return id
    }

    struct EventError: Equatable {
        var id: String
        var status: Int
        var message: String
    }

    /// The errors of a 207 answer; nil when the body is not `{"successes": [...], "errors": [...]}`
    /// with an id and an integer status for every error.
    static func errors(in body: [UInt8]) -> [EventError]? {
        guard let doc = try? JSONParser().parse(body), doc["successes"]?.arrayValue != nil,
            let errors = doc["errors"]?.arrayValue
        else { return nil }
        var out: [EventError] = []
        for e in errors {
            guard let id = e["id"]?.stringValue, let status = (e["status"]?.numberValue).flatMap({ Int(exactly: $0) }) else { return nil }
            out.append(EventError(id: id, status: status, message: e["message"]?.stringValue ?? ""))
        }
        return out
    }
}
