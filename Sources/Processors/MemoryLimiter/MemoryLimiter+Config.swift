import CollectorCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `processors.memory_limiter`: bounded in-flight bytes, beyond which receivers push back (`Admission`
/// runs it).
public enum MemoryLimiter {
    public static let type = "memory_limiter"

    public struct Config: Sendable, Equatable {
        /// Fixed sizes, or shares of the memory the process may use (the container's limit), as the
        /// OpenTelemetry Collector's Helm chart configures it (`limit_percentage: 80`,
        /// `spike_limit_percentage: 25`).
        public enum Limit: Sendable, Equatable {
            case mebibytes(limit: Int, spike: Int)
            case percentage(limit: Int, spike: Int)
        }

        public var checkInterval: Duration
        public var limit: Limit

        public init(_ map: inout ConfigMap) throws(ConfigError) {
            checkInterval = try map.duration("check_interval", default: .seconds(1))
            if checkInterval <= .zero { throw ConfigError(map.childPath("check_interval"), "must be positive") }
            let mib = try map.int("limit_mib", default: 0, range: 0...1_048_576)
            let percent = try map.int("limit_percentage", default: 0, range: 0...100)
            switch (mib > 0, percent > 0) {
            case (true, true):
                throw ConfigError(map.childPath("limit_percentage"), "give limit_mib or limit_percentage, not both")
            case (false, false):
                throw ConfigError(map.childPath("limit_mib"), "is required and must be positive (or give limit_percentage)")
            case (true, false):
                if map.keys.contains("spike_limit_percentage") {
                    throw ConfigError(map.childPath("spike_limit_percentage"), "goes with limit_percentage; with limit_mib give spike_limit_mib")
                }
                // The collector's default spike allowance is a fifth of the limit.
                let spike = try map.int("spike_limit_mib", default: mib / 5, range: 0...1_048_576)
                if spike >= mib { throw ConfigError(map.childPath("spike_limit_mib"), "must be below limit_mib (\(mib))") }
                limit = .mebibytes(limit: mib, spike: spike)
            case (false, true):
                if map.keys.contains("spike_limit_mib") {
                    throw ConfigError(map.childPath("spike_limit_mib"), "goes with limit_mib; with limit_percentage give spike_limit_percentage")
                }
                let spike = try map.int("spike_limit_percentage", default: percent / 5, range: 0...100)
                if spike >= percent {
                    throw ConfigError(map.childPath("spike_limit_percentage"), "must be below limit_percentage (\(percent))")
                }
                limit = .percentage(limit: percent, spike: spike)
            }
        }

        /// The bytes admission may hold: limit minus spike, a percentage taken of `totalBytes`.
        public func admissionBytes(totalBytes: Int) -> Int {
            switch limit {
            case .mebibytes(let limit, let spike): return (limit - spike) << 20
            case .percentage(let limit, let spike): return Int((Double(totalBytes) * Double(limit - spike) / 100).rounded(.down))
            }
        }
    }

    /// The memory the process may use: the cgroup's limit (v2 `memory.max`, else v1
    /// `memory.limit_in_bytes`) when one is set, else the machine's physical memory.
    public static func availableMemoryBytes(cgroupRoot: String = "/sys/fs/cgroup", physical: UInt64 = physicalMemory) -> Int {
        for file in [cgroupRoot + "/memory.max", cgroupRoot + "/memory/memory.limit_in_bytes"] {
            guard let text = readSmallFile(file) else { continue }
            let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
            // "max" (v2) or a huge number (v1's "no limit") mean unlimited: the machine's memory.
            if let bytes = UInt64(value), bytes > 0, bytes < physical { return Int(bytes) }
            if value == "max" || UInt64(value) != nil { break }
        }
        return Int(min(physical, UInt64(Int.max)))
    }

    public static var physicalMemory: UInt64 {
        UInt64(max(0, sysconf(Int32(_SC_PHYS_PAGES)))) * UInt64(max(0, sysconf(Int32(_SC_PAGESIZE))))
    }

    static func readSmallFile(_ path: String) -> String? {
        guard let f = fopen(path, "r") else { return nil }
        defer { fclose(f) }
        var buffer = [UInt8](repeating: 0, count: 64)
        let n = fread(&buffer, 1, buffer.count, f)
        return n > 0 ? String(decoding: buffer[..<n], as: UTF8.self) : nil
    }
}
