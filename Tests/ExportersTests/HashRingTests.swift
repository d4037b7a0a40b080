import CollectorCore
import OTLP
@testable import Exporters
import Foundation
import Testing

@Suite(.timeLimit(.minutes(5)))
struct HashRingTests {
    /// Keys from a fixed generator, so the shares below are the same on every run.
    static func keys(_ n: Int) -> [UInt64] {
        var state: UInt64 = 0x1234_5678
        return (0..<n).map { _ in
            state &+= 0x9E37_79B9_7F4A_7C15
            return StableHash.mix(state)
        }
    }

    /// Each backend's share of 200,000 keys is within 5% of an even share (the README states the
    /// measured spread). Backends named as a resolver names them.
    @Test(arguments: [2, 3, 5, 10])
    func sharesAreWithinFivePercentOfEven(_ n: Int) {
        let ring = HashRing((1...n).map { "10.0.0.\($0):4317" })
        var counts = [Int](repeating: 0, count: n)
        let keys = Self.keys(200_000)
        for k in keys { counts[ring.owner(of: k)!] += 1 }
        let even = Double(keys.count) / Double(n)
        let worst = counts.map { abs(Double($0) - even) / even }.max()!
        #expect(worst < 0.05, "shares \(counts), worst \(worst)")
    }

    @Test func theSameNamesMakeTheSameRingInAnyOrder() {
        #expect(HashRing(["b:1", "a:1", "c:1"]) == HashRing(["c:1", "a:1", "b:1", "a:1"]))
        #expect(HashRing(["a:1", "b:1"]).backends == ["a:1", "b:1"])
        #expect(HashRing([]).owner(of: 42) == nil)
    }

    /// A backend leaving moves its keys only; one joining takes keys from the others only.
    @Test func onlyTheDepartedBackendsKeysMove() {
        let before = HashRing(["a:1", "b:1", "c:1"])
        let after = HashRing(["a:1", "c:1"])
        var moved = 0
        for k in Self.keys(50_000) {
            let was = before.backends[before.owner(of: k)!]
            let now = after.backends[after.owner(of: k)!]
            if was != "b:1" { #expect(was == now) } else { moved += 1 }
        }
        #expect(moved > 0)
        let grown = HashRing(["a:1", "b:1", "c:1", "d:1"])
        for k in Self.keys(50_000) {
            let now = grown.backends[grown.owner(of: k)!]
            if now != "d:1" { #expect(now == before.backends[before.owner(of: k)!]) }
        }
    }

    /// The hashes are fixed: a sidecar restarted, or another replica, routes the same trace alike.
    @Test func hashesAreStable() {
        #expect(StableHash.fnv1a(Array("10.0.0.1:4317".utf8)) == StableHash.fnv1a(Array("10.0.0.1:4317".utf8)))
        #expect(StableHash.mix(1) == 0x5692_161d_100b_05e5)
    }

    /// `routing_key: service`: every span of a service to one backend, the owner of its name.
    @Test func serviceRoutingKeepsAServiceTogether() throws {
        func resource(_ service: String, _ first: Int) -> String {
            let spans = (first..<first + 3).map { i in
                #"{"traceId":"\#(String(format: "%032x", i))","spanId":"\#(String(format: "%016x", i))","name":"s"}"#
            }
            return
                #"{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"\#(service)"}}]},"scopeSpans":[{"spans":[\#(spans.joined(separator: ","))]}]}"#
        }
        let json = #"{"resourceSpans":[\#(resource("checkout", 1)),\#(resource("search", 4))]}"#
        let batch = try OTLPJSONDecoder().decode(Array(json.utf8))
        let ring = HashRing((1...5).map { "10.0.0.\($0):4317" })
        let owners = LoadBalancingExporter.owners(batch, ring: ring, key: .service)
        #expect(
            owners == [Int](repeating: ring.owner(of: StableHash.fnv1a("checkout".utf8))!, count: 3)
                + [Int](repeating: ring.owner(of: StableHash.fnv1a("search".utf8))!, count: 3))
        // By trace id the same six spans spread over the backends.
        #expect(Set(LoadBalancingExporter.owners(batch, ring: ring, key: .traceID)).count > 1)
    }
}
