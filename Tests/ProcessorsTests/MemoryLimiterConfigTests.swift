import CollectorCore
import Foundation
@testable import Processors
import Testing

/// `memory_limiter` as the OpenTelemetry Collector's Helm chart writes it (percentages of the
/// container's memory) and as fixed sizes; the container's limit comes from its cgroup.
@Suite(.timeLimit(.minutes(5)))
struct MemoryLimiterConfigTests {
    func config(_ values: [String: String]) throws(ConfigError) -> MemoryLimiter.Config {
        var map = try ConfigMap(
            .mapping(values.sorted { $0.key < $1.key }.map { ConfigEntry($0.key, .scalar($0.value, quoted: false)) }), path: "processors.memory_limiter")
        let c = try MemoryLimiter.Config(&map)
        try map.finish()
        return c
    }

    @Test func percentagesAreSharesOfTheAvailableMemory() throws {
        let chart = try config(["check_interval": "5s", "limit_percentage": "80", "spike_limit_percentage": "25"])
        #expect(chart.limit == .percentage(limit: 80, spike: 25))
        #expect(chart.admissionBytes(totalBytes: 1 << 30) == Int(Double(1 << 30) * 0.55))
        #expect(try config(["limit_percentage": "50"]).limit == .percentage(limit: 50, spike: 10))
        let fixed = try config(["limit_mib": "400"])
        #expect(fixed.limit == .mebibytes(limit: 400, spike: 80) && fixed.admissionBytes(totalBytes: 1 << 40) == 320 << 20)
    }

    @Test(arguments: [
        (["limit_mib": "400", "limit_percentage": "80"], "processors.memory_limiter.limit_percentage: give limit_mib or limit_percentage, not both"),
        ([:], "processors.memory_limiter.limit_mib: is required and must be positive (or give limit_percentage)"),
        (["limit_percentage": "80", "spike_limit_percentage": "80"], "processors.memory_limiter.spike_limit_percentage: must be below limit_percentage (80)"),
        (["limit_percentage": "80", "spike_limit_mib": "10"], "processors.memory_limiter.spike_limit_mib: goes with limit_mib"),
        (["limit_mib": "100", "spike_limit_percentage": "10"], "processors.memory_limiter.spike_limit_percentage: goes with limit_percentage"),
        (["limit_percentage": "101"], "processors.memory_limiter.limit_percentage"),
    ])
    func mistakesAreNamed(_ values: [String: String], _ expected: String) {
        do {
            _ = try config(values)
            Issue.record("accepted \(values)")
        } catch {
            #expect(error.description.hasPrefix(expected), "\(error)")
        }
    }

    /// cgroup v2 and v1 files as the kernel writes them; "max" and v1's huge "no limit" mean the machine's memory.
    @Test func theContainerLimitComesFromItsCgroup() throws {
        let root = NSTemporaryDirectory() + "genai-cgroup-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/memory", withIntermediateDirectories: true)
        let physical: UInt64 = 16 << 30
        #expect(MemoryLimiter.availableMemoryBytes(cgroupRoot: root, physical: physical) == 16 << 30)
        try "9223372036854771712\n".write(toFile: root + "/memory/memory.limit_in_bytes", atomically: true, encoding: .utf8)
        #expect(MemoryLimiter.availableMemoryBytes(cgroupRoot: root, physical: physical) == 16 << 30)
        try "536870912\n".write(toFile: root + "/memory/memory.limit_in_bytes", atomically: true, encoding: .utf8)
        #expect(MemoryLimiter.availableMemoryBytes(cgroupRoot: root, physical: physical) == 512 << 20)
        try "max\n".write(toFile: root + "/memory.max", atomically: true, encoding: .utf8)
        #expect(MemoryLimiter.availableMemoryBytes(cgroupRoot: root, physical: physical) == 16 << 30)
        try "1073741824\n".write(toFile: root + "/memory.max", atomically: true, encoding: .utf8)
        #expect(MemoryLimiter.availableMemoryBytes(cgroupRoot: root, physical: physical) == 1 << 30)
        #expect(MemoryLimiter.physicalMemory > 0)
    }
}
