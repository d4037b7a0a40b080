import CollectorCore
@testable import ExporterHelper
import ComponentModel
@testable import Exporters
import Foundation
import OTLP
import TestSupport
import Testing
import NIOHTTP1

/// A peer's partial success (`scripts/otlp_partial_peer.py`, which refuses the spans named `refuse…`):
/// the export succeeds, and the refused spans are dropped and counted as `rejected_by_peer`, exactly.
@Suite(.timeLimit(.minutes(5)))
struct OTLPPartialSuccessTests {
    @Test func spansAPeerRefusesAreCountedAsRejectedByPeer() async throws {
        let peer = try await ScriptServer(script: "otlp_partial_peer.py", what: "the OTLP partial-success peer")
        defer { peer.stop() }
        var map = try ConfigMap(.mapping([ConfigEntry("endpoint", .scalar("http://127.0.0.1:\(peer.port)", quoted: true))]), path: "exporters.otlp_http")
        let config = try OTLPHTTPExporter.Config(&map)
        let counters = Counters()
        let e = try OTLPHTTPExporter(config: config, settings: .standalone("otlp_http", .exporter, counters: counters))
        var batch = try OTLPProtobufDecoder().decode(try FixtureFiles.bytes("openinference_openai_3chats.otlp.pb"))
        let refused = 2
        for i in 0..<refused { batch.spans[i].name = batch.store(bytes: Array("refuse me".utf8)) }
        try await e.export(ExportItem(batch: batch, records: nil))
        await e.shutdown()
        #expect(counters.value(.droppedSpans, ["exporter": "otlp_http", "reason": "rejected_by_peer"]) == refused)
        let r = try await HTTPTransport(tls: nil).send(.GET, "http://127.0.0.1:\(peer.port)/received", headers: [], body: nil, timeout: .seconds(5))
        let taken = try JSONParser().parse(r.text)
        #expect(taken["spans"]?.numberValue == Double(batch.spans.count - refused) && taken["refused"]?.numberValue == Double(refused), "\(r.text)")
        #expect(taken["gzip"]?.numberValue == taken["requests"]?.numberValue, "gzip is the default: \(r.text)")
    }

    /// `compression: zstd` with a level: the peer decodes the bodies with an independent zstd reader
    /// and takes every span.
    @Test func zstdBodiesReachThePeerWhole() async throws {
        let peer = try await ScriptServer(script: "otlp_partial_peer.py", what: "the OTLP partial-success peer")
        defer { peer.stop() }
        var map = try ConfigMap(
            .mapping([
                ConfigEntry("endpoint", .scalar("http://127.0.0.1:\(peer.port)", quoted: true)),
                ConfigEntry("compression", .scalar("zstd", quoted: false)),
                ConfigEntry("compression_params", .mapping([ConfigEntry("level", .scalar("7", quoted: false))])),
            ]), path: "exporters.otlp_http")
        let config = try OTLPHTTPExporter.Config(&map)
        try map.finish()
        #expect(config.compression == BodyCompression(.zstd, level: 7))
        let e = try OTLPHTTPExporter(config: config, settings: .standalone("otlp_http", .exporter))
        let batch = try OTLPProtobufDecoder().decode(try FixtureFiles.bytes("openinference_openai_3chats.otlp.pb"))
        try await e.export(ExportItem(batch: batch, records: nil))
        await e.shutdown()
        let r = try await HTTPTransport(tls: nil).send(.GET, "http://127.0.0.1:\(peer.port)/received", headers: [], body: nil, timeout: .seconds(5))
        let taken = try JSONParser().parse(r.text)
        #expect(taken["spans"]?.numberValue == Double(batch.spans.count) && taken["refused"]?.numberValue == 0, "\(r.text)")
        #expect((taken["zstd"]?.numberValue ?? 0) >= 1 && taken["zstd"]?.numberValue == taken["requests"]?.numberValue, "\(r.text)")
    }
}
