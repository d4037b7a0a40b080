import Exporters
import Foundation

/// `--ring`: the load-balancing ring's spread. For 2 to 10 backends (named as a resolver names
/// them), each backend's share of a million random trace ids against an even share, and the keys
/// that move when one backend leaves.
enum RingBench {
    static func run() {
        var state: UInt64 = 0xC0FFEE
        let keys = (0..<1_000_000).map { _ -> UInt64 in
            state &+= 0x9E37_79B9_7F4A_7C15
            return StableHash.mix(state)
        }
        print("ring: \(HashRing.defaultPointsPerBackend) points per backend, \(keys.count) trace ids")
        for n in [2, 3, 5, 10] {
            let names = (1...n).map { "10.0.0.\($0):4317" }
            let ring = HashRing(names)
            var counts = [Int](repeating: 0, count: n)
            for k in keys { counts[ring.owner(of: k) ?? 0] += 1 }
            let even = Double(keys.count) / Double(n)
            let deviations = counts.map { (Double($0) - even) / even * 100 }
            let smaller = HashRing(Array(names.dropFirst()))
            var moved = 0
            for k in keys where ring.backends[ring.owner(of: k) ?? 0] != smaller.backends[smaller.owner(of: k) ?? 0] { moved += 1 }
            let shares = deviations.map { String(format: "%+.1f%%", $0) }.joined(separator: " ")
            print(
                "\(n) backends: shares vs even \(shares); largest \(String(format: "%.1f", deviations.map(abs).max() ?? 0))%;"
                    + " one leaving moves \(String(format: "%.1f", Double(moved) / Double(keys.count) * 100))% of trace ids (its own share: \(String(format: "%.1f", Double(counts[ring.backends.firstIndex(of: names[0]) ?? 0]) / Double(keys.count) * 100))%)"
            )
        }
    }
}
