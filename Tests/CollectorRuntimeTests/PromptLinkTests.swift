import CollectorCore
import CollectorRuntime
@testable import ExporterHelper
import Foundation
import NIOHTTP1
import TestSupport
import Testing

/// Prompt ids for direct ClickHouse writes: the real Langfuse SDK links generations to prompts by
/// name and version; the ClickHouse exporter asks the contract server for each prompt's id once and
/// writes it to `prompt_id` in chDB. A prompt Langfuse does not have, and a lookup that fails, leave
/// the id empty, are counted, and never hold the rows back.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct PromptLinkTests {
    static func control(_ langfuse: LangfuseTestServer, _ path: String, _ body: String) async throws {
        let r = try await HTTPTransport(tls: nil).send(
            .POST, "\(langfuse.url)/__control/\(path)", headers: [("Content-Type", "application/json")], body: Array(body.utf8), timeout: .seconds(10))
        #expect(r.status == 200)
    }

    static func lookups(_ c: CollectorHarness.Running, _ outcome: String) -> Int {
        c.counters.value(.promptLookups, ["exporter": "clickhouse", "outcome": outcome])
    }

    @Test func promptLookupMistakesNameTheirKey() {
        let cases: [(String, String)] = [
            ("{endpoint: \"http://lf\", public_key: pk}", "exporters.clickhouse.prompt_lookup.secret_key: is required"),
            (
                "{endpoint: lf, public_key: pk, secret_key: sk}",
                "exporters.clickhouse.prompt_lookup.endpoint: must be Langfuse's base URL: an http:// or https:// URL"
            ),
            ("{endpoint: \"http://lf\", public_key: pk, secret_key: sk, ttl: soon}", "exporters.clickhouse.prompt_lookup.ttl"),
            ("{endpoint: \"http://lf\", public_key: pk, secret_key: sk, negative_tll: 1m}", "exporters.clickhouse.prompt_lookup.negative_tll: unknown key"),
        ]
        for (lookup, expected) in cases {
            let yaml = """
                receivers: {otlp: {protocols: {http: {}}}}
                exporters: {clickhouse: {endpoint: "http://ch:8123", project_id: p, prompt_lookup: \(lookup)}}
                service: {pipelines: {traces: {receivers: [otlp], exporters: [clickhouse]}}}
                """
            let error = #expect(throws: ConfigErrors.self) { try CollectorConfig(try ConfigLoader().load(["yaml:" + yaml])) }
            #expect(error.map { "\($0)".contains(expected) } ?? false, "\(lookup): \(String(describing: error))")
        }
    }

    @Test func generationsGetTheirPromptIdsFromLangfuse() async throws {
        let langfuse = try await LangfuseTestServer()
        defer { langfuse.stop() }
        let clickhouse = try await ClickHouseTestServer()
        defer { clickhouse.stop() }
        // Folders are part of a name: "reviews/movie-critic" goes URL-encoded.
        try await Self.control(
            langfuse, "prompts",
            #"[{"name": "reviews/movie-critic", "version": 2, "id": "cm-prompt-critic-2", "prompt": "Review {{movie}}."}, {"name": "reviews/movie-critic", "version": 3, "id": "cm-prompt-critic-3", "prompt": "Judge {{movie}}."}]"#
        )
        let yaml = """
            receivers: {otlp: {protocols: {http: {endpoint: "127.0.0.1:0", auth: {basic: [{username: pk-lf-test, password: sk-lf-test}]}}}}}
            processors: {batch: {timeout: 100ms}}
            exporters:
              clickhouse:
                endpoint: "\(clickhouse.url)"
                username: "\(clickhouse.user)"
                password: "\(clickhouse.password)"
                project_id: p1
                create_schema: true
                schema: both
                prompt_lookup: {endpoint: "\(langfuse.url)", public_key: pk-lf-test, secret_key: sk-lf-test, timeout: 2s, negative_ttl: 1h}
            service:
              telemetry: {metrics: {address: "127.0.0.1:0"}}
              pipelines: {traces: {receivers: [otlp], processors: [batch], exporters: [clickhouse]}}
            """
        try await CollectorHarness.with([yaml]) { running in
            let c = running[0]
            let base = "http://127.0.0.1:\(c.port("otlp/http"))"
            // Version 2 twice (one lookup), version 3, and a draft Langfuse does not have.
            var (status, out) = try await Scripts.py("langfuse_sdk_prompts.py", [base, "reviews/movie-critic:2", "reviews/movie-critic:3", "drafts/new:7"])
            #expect(status == 0, "\(out)")
            #expect(try await eventually { c.counters.value(.exporterSentSpans, ["exporter": "clickhouse"]) == 3 })
            (status, out) = try await Scripts.py("langfuse_sdk_prompts.py", [base, "reviews/movie-critic:2", "drafts/new:7"])
            #expect(status == 0, "\(out)")
            #expect(try await eventually { c.counters.value(.exporterSentSpans, ["exporter": "clickhouse"]) == 5 })
            #expect(Self.lookups(c, "resolved") == 2 && Self.lookups(c, "not_found") == 1 && Self.lookups(c, "cached") == 2)
            // Langfuse fails the next lookup: the id stays empty, counted, and the row is written.
            try await Self.control(langfuse, "fail", #"{"status": 500, "count": 1}"#)
            (status, out) = try await Scripts.py("langfuse_sdk_prompts.py", [base, "reviews/summary:1"])
            #expect(status == 0, "\(out)")
            #expect(try await eventually { c.counters.value(.exporterSentSpans, ["exporter": "clickhouse"]) == 6 })
            #expect(Self.lookups(c, "failed") == 1 && c.counters.value(.exporterSendFailedSpans, ["exporter": "clickhouse"]) == 0)
        }
        let received = try await HTTPTransport(tls: nil).send(.GET, "\(langfuse.url)/__control/received", headers: [], body: nil, timeout: .seconds(10))
        #expect(try JSONParser().parse(received.text)["prompt_lookups"] == .int(4) && JSONParser().parse(received.text)["failures_served"] == .int(1))
        for table in ["observations", "events_full"] {
            let rows = try DurabilityTests().sql(
                clickhouse,
                "SELECT prompt_name, prompt_version, ifNull(prompt_id, '-'), count() FROM \(table) FINAL WHERE project_id = 'p1' GROUP BY ALL ORDER BY ALL FORMAT TSV"
            )
            let nothing = table == "observations" ? "-" : ""
            #expect(
                rows.split(separator: "\n").map(String.init) == [
                    "drafts/new\t7\t\(nothing.isEmpty ? "" : nothing)\t2", "reviews/movie-critic\t2\tcm-prompt-critic-2\t2",
                    "reviews/movie-critic\t3\tcm-prompt-critic-3\t1", "reviews/summary\t1\t\(nothing)\t1",
                ], "\(table): \(rows)")
        }
    }
}
