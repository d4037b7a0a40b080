/// A consistent-hash ring over backend names: each backend holds `pointsPerBackend` points at
/// stable hashes of its name, and a key belongs to the backend of the first point at or after the
/// key's hash (wrapping). When a backend leaves, only the keys it owned move; when one joins, it
/// takes about 1/N of the keys. The hashes are the same in every process and on every start, so
/// replicas of a sidecar agree on each trace's owner.
public struct HashRing: Sendable, Equatable {
    /// The backends, sorted and unique; `owner` answers an index into it.
    public let backends: [String]
    private let points: [UInt64]
    private let owners: [Int32]

    /// Enough points that the largest backend's share stays within a few percent of even (the
    /// README's "Scaling out" gives the measured spread, `genai-collector-bench --ring`).
    public static let defaultPointsPerBackend = 4096

    public init(_ names: [String], pointsPerBackend: Int = defaultPointsPerBackend) {
        backends = Array(Set(names)).sorted()
        var ring: [(UInt64, Int32)] = []
        ring.reserveCapacity(backends.count * pointsPerBackend)
        for (i, name) in backends.enumerated() {
            let base = StableHash.fnv1a(Array(name.utf8))
            for p in 0..<pointsPerBackend {
                ring.append((StableHash.mix(base &+ UInt64(p) &* 0x9E37_79B9_7F4A_7C15), Int32(i)))
            }
        }
        // Ties (vanishingly rare) are broken by backend index, so every process builds the same ring.
        ring.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
        points = ring.map(\.0)
        owners = ring.map(\.1)
    }

    public var isEmpty: Bool { backends.isEmpty }

    /// The index in `backends` of the key's owner; nil for an empty ring.
    public func owner(of hash: UInt64) -> Int? {
        guard !points.isEmpty else { return nil }
        var low = 0
        var high = points.count
        while low < high {
            let mid = (low + high) / 2
            if points[mid] < hash { low = mid + 1 } else { high = mid }
        }
        return Int(owners[low == points.count ? 0 : low])
    }
}

/// Hashes that do not change between processes or versions (Swift's `Hasher` is seeded per process).
public enum StableHash {
    public static func fnv1a(_ bytes: some Sequence<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01b3
        }
        return mix(h)
    }

    /// splitmix64's finalizer: spreads nearby inputs over the whole range.
    public static func mix(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
