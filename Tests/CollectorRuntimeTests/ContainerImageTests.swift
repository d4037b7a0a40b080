import CollectorCore
@testable import ExporterHelper
import Exporters
import NIOHTTP1
import Foundation
import TestSupport
import Testing

/// The container image as users run it (`scripts/test.sh` builds it with `scripts/build-image.sh`
/// first): podman with runc, a read-only root filesystem, the data directory a mounted volume, the
/// embedded default config. A real OpenTelemetry client's spans land in the volume, `podman stop`
/// drains, and the process runs as uid 65532.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct ContainerImageTests {
    static let image = "localhost/genai-collector:latest"
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// podman, with the rlimits this machine refuses left out.
    func podman(_ args: [String]) async throws -> (Int32, String) {
        let conf = Self.root.appendingPathComponent("deploy/image/containers.conf").path
        return try await offPool { try Scripts.command(["podman"] + args, environment: ["CONTAINERS_CONF": conf]) }
    }

    @Test func theImageServesDrainsAndRunsUnprivileged() async throws {
        // The image is of this commit, not a stale one.
        let (_, head) = try await offPool { try Scripts.command(["git", "-C", Self.root.path, "rev-parse", "HEAD"]) }
        let (inspected, revision) = try await podman(["image", "inspect", "--format", "{{index .Labels \"org.opencontainers.image.revision\"}}", Self.image])
        try #require(inspected == 0, "no image \(Self.image): run scripts/build-image.sh (scripts/test.sh does): \(revision)")
        #expect(
            revision.trimmingCharacters(in: .whitespacesAndNewlines) == head.trimmingCharacters(in: .whitespacesAndNewlines),
            "the image is of another commit: run scripts/build-image.sh")

        let data = NSTemporaryDirectory() + "genai-image-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: data) }
        #expect(chown(data, 65532, 65532) == 0)
        let name = "genai-test-\(UUID().uuidString.prefix(8))"
        // Host networking on loopback only: the embedded default's ports, reachable from the test alone.
        let (started, id) = try await podman([
            "run", "-d", "--name", name, "--network", "host", "--read-only", "--tmpfs", "/tmp",
            "-v", "\(data):/var/lib/genai-collector", "-e", "GENAI_COLLECTOR_HOST=127.0.0.1", Self.image,
        ])
        try #require(started == 0, "podman run: \(id)")
        defer {
            _ = try? Scripts.command(
                ["podman", "rm", "-f", name], environment: ["CONTAINERS_CONF": Self.root.appendingPathComponent("deploy/image/containers.conf").path])
        }

        let ready = try await eventually(20) {
            let r = try? await HTTPTransport(tls: nil).send(.GET, "http://127.0.0.1:13133/", headers: [], body: nil, timeout: .seconds(2))
            return r?.status == 200 && r?.text == #"{"status":"Server available"}"#
        }
        let startLogs = try await podman(["logs", name]).1
        #expect(ready, "\(startLogs)")

        // Unprivileged, on a read-only root, writing only to the volume.
        let (_, pid) = try await podman(["inspect", "--format", "{{.State.Pid}}", name])
        let status = try String(contentsOfFile: "/proc/\(pid.trimmingCharacters(in: .whitespacesAndNewlines))/status", encoding: .utf8)
        let uid = status.split(separator: "\n").first { $0.hasPrefix("Uid:") }.map {
            $0.split(whereSeparator: { $0 == "\t" || $0 == " " }).dropFirst().map(String.init)
        }
        #expect(uid == ["65532", "65532", "65532", "65532"], "\(String(describing: uid))")
        let (rootWrite, rootOut) = try await podman(["exec", name, "/bin/sh", "-c", ": > /probe"])
        #expect(rootWrite != 0 && rootOut.contains("Read-only file system"), "\(rootOut)")
        #expect(try await podman(["exec", name, "/bin/sh", "-c", ": > /var/lib/genai-collector/probe"]).0 == 0)

        // A real OpenTelemetry client's spans: one trace of three spans.
        let (sent, out) = try await offPool { try Scripts.python("send_spans.py", ["http://127.0.0.1:4318/v1/traces", "none", "1"]) }
        #expect(sent == 0, "\(out)")

        // SIGTERM: the collector drains what it holds to the volume and exits 0.
        let (stopped, stopOut) = try await podman(["stop", "-t", "30", name])
        #expect(stopped == 0, "\(stopOut)")
        let (_, exit) = try await podman(["inspect", "--format", "{{.State.ExitCode}}", name])
        let logs = try await podman(["logs", name]).1
        #expect(exit.trimmingCharacters(in: .whitespacesAndNewlines) == "0", "\(logs.suffix(2000))")
        #expect(logs.contains("stopped"), "\(logs.suffix(2000))")
        let events = try CollectorHarness.lines(data + "/data")
        let observations = events.filter { $0["type"]?.stringValue != "trace-create" }
        #expect(observations.count == 3, "\(events.count) events; \(logs.suffix(2000))")
        #expect(events.contains { $0["type"]?.stringValue == "trace-create" })
    }
}
