import CollectorCore
import Foundation
import Testing
import Yams

/// deploy/grafana and deploy/prometheus: every PromQL expression names only series the collector
/// exports (MetricName, with the suffixes /metrics gives them), so a renamed metric fails here
/// instead of in someone's empty panel or silent alert.
@Suite(.timeLimit(.minutes(5)))
struct ObservabilityFilesTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The names /metrics exposes: counters with `_total`, gauges as they are, histograms' three series.
    static let exported: Set<String> = Set(
        MetricName.allCases.flatMap { m -> [String] in
            if m.isHistogram { return ["_bucket", "_sum", "_count"].map { m.rawValue + $0 } }
            return [m.isGauge ? m.rawValue : m.rawValue + "_total"]
        })

    static let keywords: Set<String> = ["and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring", "group_left", "group_right", "inf", "nan"]

    /// The metric names a PromQL expression reads: identifiers left once strings, label matchers,
    /// ranges and grouping label lists are taken out, that are not functions or keywords.
    static func metricNames(_ expr: String) throws -> [String] {
        var s = expr
        for pattern in [#""(?:[^"\\]|\\.)*""#, #"\{[^}]*\}"#, #"\[[^\]]*\]"#, #"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)"#] {
            s = s.replacing(try Regex(pattern), with: " ")
        }
        // Identifiers: a letter, `_` or `:` after anything that cannot be inside a name or a
        // number (so `1d` and `0.95` are not names), then name characters.
        var names: [String] = []
        let chars = Array(s)
        func inName(_ c: Character) -> Bool { c.isASCII && (c.isLetter || c.isNumber || c == "_" || c == ":") }
        var i = 0
        while i < chars.count {
            let startsName = chars[i].isASCII && (chars[i].isLetter || chars[i] == "_" || chars[i] == ":")
            let afterOther = i == 0 || !(inName(chars[i - 1]) || chars[i - 1] == "." || chars[i - 1] == "$")
            guard startsName && afterOther else { i += 1; continue }
            var j = i
            while j < chars.count && inName(chars[j]) { j += 1 }
            let name = String(chars[i..<j])
            var k = j
            while k < chars.count && chars[k] == " " { k += 1 }
            if !(k < chars.count && chars[k] == "(") && !keywords.contains(name) { names.append(name) }
            i = j
        }
        return names
    }

    @Test func theScannerFindsTheMetricNamesOfAnExpression() throws {
        #expect(
            try Self.metricNames(#"sum by (agent) (rate(a_total{x="y", z=~"$env"}[5m])) > 3 * sum(rate(b_total[6h] offset 1d)) and on (exporter) c"#)
                == ["a_total", "b_total", "c"])
        #expect(try Self.metricNames("histogram_quantile(0.95, sum by (le, model) (rate(h_bucket[5m])))") == ["h_bucket"])
        #expect(Self.exported.contains("genai_collector_operation_duration_seconds_bucket") && Self.exported.contains("otelcol_exporter_queue_size"))
        #expect(!Self.exported.contains("genai_collector_cost_usd") && !Self.exported.contains("otelcol_exporter_queue_size_total"))
    }

    @Test func everyAlertReadsExportedSeriesAndSaysWhatIsWrong() throws {
        let text = try String(contentsOf: Self.root.appendingPathComponent("deploy/prometheus/alerts.yaml"), encoding: .utf8)
        let doc = try #require(try Yams.load(yaml: text) as? [String: Any])
        let groups = try #require(doc["groups"] as? [[String: Any]])
        var alerts: [String] = []
        for g in groups {
            for rule in try #require(g["rules"] as? [[String: Any]]) {
                let name = try #require(rule["alert"] as? String)
                let expr = try #require(rule["expr"] as? String)
                alerts.append(name)
                let names = try Self.metricNames(expr)
                #expect(!names.isEmpty, "\(name): no metric in \(expr)")
                for n in names {
                    let known = Self.exported.contains(n)
                    #expect(known, "\(name) reads \(n), which the collector does not export")
                }
                #expect((rule["labels"] as? [String: Any])?["severity"] != nil, "\(name): a severity")
                #expect((rule["annotations"] as? [String: Any])?["summary"] != nil, "\(name): a summary")
            }
        }
        // What the issue asks to alert on, each present.
        for wanted in [
            "GenAIAgentSpendOverBudget", "GenAIEnvironmentSpendOverBudget", "GenAICollectorDroppingSpans", "GenAICollectorQueueOld",
            "GenAICollectorExporterFailing", "GenAICollectorConfigReloadFailed",
        ] {
            #expect(alerts.contains(wanted), "\(wanted) is missing")
        }
    }

    @Test func everyPanelReadsExportedSeries() throws {
        let data = try Data(contentsOf: Self.root.appendingPathComponent("deploy/grafana/genai-collector.json"))
        let dashboard = try JSONParser().parse(String(decoding: data, as: UTF8.self))
        var exprs: [String] = []
        for panel in dashboard["panels"]?.arrayValue ?? [] {
            for t in panel["targets"]?.arrayValue ?? [] { if let e = t["expr"]?.stringValue { exprs.append(e) } }
        }
        #expect(exprs.count >= 25, "\(exprs.count) expressions")
        for e in exprs {
            let names = try Self.metricNames(e)
            #expect(!names.isEmpty, "no metric in \(e)")
            for n in names {
                let known = Self.exported.contains(n)
                #expect(known, "a panel reads \(n), which the collector does not export: \(e)")
            }
        }
        // The committed file is what its generator writes.
        let generator = Process()
        generator.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        generator.arguments = ["python3", Self.root.appendingPathComponent("scripts/grafana-dashboard.py").path]
        generator.standardOutput = FileHandle.nullDevice
        try generator.run()
        generator.waitUntilExit()
        #expect(generator.terminationStatus == 0)
        #expect(
            try Data(contentsOf: Self.root.appendingPathComponent("deploy/grafana/genai-collector.json")) == data, "regenerate: scripts/grafana-dashboard.py")
    }
}
