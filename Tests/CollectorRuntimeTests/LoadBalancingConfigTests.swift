import CollectorCore
import CollectorRuntime
import ComponentModel
import ExporterHelper
@testable import Exporters
import Logging
import Testing

@Suite(.timeLimit(.minutes(5)))
struct LoadBalancingConfigTests {
    /// The exporter's settings in a whole config, as a user writes them.
    func config(_ settings: String) throws -> CollectorConfig {
        let indented = settings.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n")
        let yaml = """
            receivers: {otlp: {protocols: {http: {endpoint: "127.0.0.1:0"}}}}
            exporters:
              loadbalancing:
            \(indented)
            service: {pipelines: {traces: {receivers: [otlp], exporters: [loadbalancing]}}}
            """
        return try CollectorConfig(try ConfigLoader().load(["yaml:" + yaml]))
    }

    func decode(_ settings: String) throws -> LoadBalancingExporter.Config {
        let c = try config(settings)
        return try #require(c.exporters.values.first?.config as? LoadBalancingExporter.Config)
    }

    @Test func theCollectorsShapeDecodes() throws {
        let c = try decode(
            """
            routing_key: service
            protocol: {otlp: {timeout: 7s, tls: {insecure: true}, compression: none, sending_queue: {queue_size: 50}}}
            resolver: {static: {hostnames: ["10.0.0.1:4317", "gw-2"]}}
            """)
        #expect(c.routingKey == .service)
        #expect(c.backend.plaintext && !c.backend.gzip && c.backend.sending.timeout == .seconds(7) && c.backend.sending.queueSize == 50)
        #expect(c.resolver == .fixed([Endpoint(host: "10.0.0.1", port: 4317), Endpoint(host: "gw-2", port: 4317)]))
    }

    @Test func theDNSResolverDecodesWithTheCollectorsDefaults() throws {
        let c = try decode("protocol: {otlp: {}}\nresolver: {dns: {hostname: gw-headless.obs.svc.cluster.local}}")
        #expect(c.resolver == .dns(hostname: "gw-headless.obs.svc.cluster.local", port: 4317, interval: .seconds(5), timeout: .seconds(1), server: nil))
        let d = try decode("protocol: {otlp: {}}\nresolver: {dns: {hostname: g, port: 14317, interval: 2s, timeout: 500ms, server: \"127.0.0.1:5353\"}}")
        #expect(
            d.resolver == .dns(hostname: "g", port: 14317, interval: .seconds(2), timeout: .milliseconds(500), server: Endpoint(host: "127.0.0.1", port: 5353)))
    }

    @Test(arguments: [
        ("protocol: {otlp: {endpoint: \"x:1\"}}\nresolver: {static: {hostnames: [a]}}", "exporters.loadbalancing.protocol.otlp.endpoint: set by the resolver"),
        ("resolver: {static: {hostnames: [a]}}", "exporters.loadbalancing.protocol.otlp: required"),
        ("protocol: {otlp: {}}", "exporters.loadbalancing.resolver: required: static or dns"),
        ("protocol: {otlp: {}}\nresolver: {static: {hostnames: [a]}, dns: {hostname: b}}", "exporters.loadbalancing.resolver: give one resolver"),
        ("protocol: {otlp: {}}\nresolver: {dns: {port: 4317}}", "exporters.loadbalancing.resolver.dns.hostname"),
        ("protocol: {otlp: {}}\nresolver: {dns: {hostname: b, server: nope}}", "exporters.loadbalancing.resolver.dns.server: 'nope' is not host:port"),
        ("protocol: {otlp: {}}\nresolver: {dns: {hostname: b, interval: 0s}}", "exporters.loadbalancing.resolver.dns: interval and timeout must be positive"),
        ("protocol: {otlp: {}}\nresolver: {static: {hostnames: []}}", "exporters.loadbalancing.resolver.static.hostnames: list at least one"),
        ("protocol: {otlp: {tmeout: 1s}}\nresolver: {static: {hostnames: [a]}}", "exporters.loadbalancing.protocol.otlp.tmeout: unknown key"),
        ("protocol: {otlp: {}, otlp_http: {}}\nresolver: {static: {hostnames: [a]}}", "exporters.loadbalancing.protocol.otlp_http: unknown key"),
        ("protocol: {otlp: {}}\nresolver: {static: {hostnames: [a]}, k8s: {}}", "exporters.loadbalancing.resolver.k8s: unknown key"),
        (
            "routing_key: spanID\nprotocol: {otlp: {}}\nresolver: {static: {hostnames: [a]}}",
            "exporters.loadbalancing.routing_key: 'spanID' is not one of traceID, service"
        ),
    ])
    func mistakesAreNamed(_ yaml: String, _ expected: String) {
        #expect {
            _ = try decode(yaml)
        } throws: { error in
            "\(error)".contains(expected)
                ? true
                : {
                    Issue.record("got: \(error)"); return false
                }()
        }
    }

    @Test func aDiskQueuePerBackendIsRefusedBeforeStart() throws {
        let c = try config("protocol: {otlp: {sending_queue: {storage: disk, directory: /tmp}}}\nresolver: {static: {hostnames: [a]}}")
        let app = CollectorApp(config: c, logger: Logger(label: "t"))
        #expect(
            throws: ConfigError(
                "exporters.loadbalancing.protocol.otlp.sending_queue.storage",
                "a backend's queue is in memory; for durability put the disk queue on the exporter itself (its own sending_queue): a record is acknowledged once every backend has delivered its share"
            )
        ) { try app.checkRunnable() }
    }
}
