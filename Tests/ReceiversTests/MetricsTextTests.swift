import CollectorCore
@testable import Receivers
import Testing

@Suite(.timeLimit(.minutes(5)))
struct MetricsTextTests {
    @Test func prometheusExposition() {
        let c = Counters()
        c.add(.receiverAcceptedSpans, 12, ["receiver": "otlp", "transport": "http"])
        c.set(.exporterQueueSize, 3, ["exporter": "file/local"])
        c.add(.costUSD, 0.0125, ["model": "gpt-4o", "cost": "total", "environment": "prod", "observation_type": "generation"])
        c.add(.droppedSpans, 2, ["exporter": "file/\"q\"", "reason": "queue_full"])
        let text = PrometheusText.render(c)
        #expect(
            text.contains(
                "# TYPE otelcol_receiver_accepted_spans_total counter\notelcol_receiver_accepted_spans_total{receiver=\"otlp\",transport=\"http\"} 12\n"))
        #expect(text.contains("# TYPE otelcol_exporter_queue_size gauge\notelcol_exporter_queue_size{exporter=\"file/local\"} 3\n"))
        #expect(text.contains("genai_collector_cost_usd_total{cost=\"total\",environment=\"prod\",model=\"gpt-4o\",observation_type=\"generation\"} 0.0125\n"))
        #expect(text.contains("genai_collector_dropped_spans_total{exporter=\"file/\\\"q\\\"\",reason=\"queue_full\"} 2\n"))
    }
}
