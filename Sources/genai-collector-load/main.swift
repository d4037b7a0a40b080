import Foundation
import OTLPProto
import SwiftProtobuf
import OTLPSamples

/// Sends LLM-shaped OTLP/HTTP protobuf at a running receiver over several keep-alive connections,
/// in whole traces of four spans, with fresh trace and span ids in every request, and reports accepted spans/s, request latency
/// percentiles, and the receiver process's CPU seconds per 100k spans and peak RSS.
///
///   genai-collector-load --port 4318 --pid PID [--seconds 10] [--connections 4] [--spans 100] [--rate SPANS_PER_S]
///     [--header 'Name: value']
///   genai-collector-load --sink PORT      (a fast stand-in for the gateway's sinks; see `Sink`)
struct Options: Sendable {
    var port: UInt16 = 4318
    var pid: Int32?
    var seconds = 10.0
    var connections = 4
    var spansPerRequest = 100
    var rate: Double?
    var path = "/v1/traces"
    var label = "target"
    /// Write the request as one gRPC length-prefixed message (for h2load) and exit.
    var writeGRPCBody: String?
    /// Extra request header lines, such as a bearer token.
    var headers: [String] = []
    var sinkPort: UInt16?
}

func parseOptions() -> Options {
    var o = Options()
    var args = CommandLine.arguments.dropFirst().makeIterator()
    while let a = args.next() {
        switch a {
        case "--port": o.port = UInt16(args.next() ?? "") ?? o.port
        case "--pid": o.pid = Int32(args.next() ?? "")
        case "--seconds": o.seconds = Double(args.next() ?? "") ?? o.seconds
        case "--connections": o.connections = Int(args.next() ?? "") ?? o.connections
        case "--spans": o.spansPerRequest = Int(args.next() ?? "") ?? o.spansPerRequest
        case "--rate": o.rate = Double(args.next() ?? "")
        case "--label": o.label = args.next() ?? o.label
        case "--write-grpc-body": o.writeGRPCBody = args.next()
        case "--header": o.headers.append(args.next() ?? "")
        case "--sink": o.sinkPort = UInt16(args.next() ?? "")
        default: print("unknown option \(a)"); exit(2)
        }
    }
    return o
}

/// Byte offsets of the last byte of every occurrence of every trace and span id in the encoded
/// request: an id that appears more than once (a trace id, a parent's span id) changes everywhere
/// alike, so the traces stay whole.
func idOffsets(in template: [UInt8], of request: ExportRequest) -> [Int] {
    var ids = Set<[UInt8]>()
    for rs in request.resourceSpans {
        for ss in rs.scopeSpans {
            for s in ss.spans {
                for id in [s.traceID, s.spanID, s.parentSpanID] where !id.isEmpty { ids.insert(Array(id)) }
            }
        }
    }
    var offsets = Set<Int>()
    for bytes in ids {
        var i = 0
        while i + bytes.count <= template.count {
            if template[i] == bytes[0], Array(template[i..<(i + bytes.count)]) == bytes { offsets.insert(i + bytes.count - 1) }
            i += 1
        }
    }
    return offsets.sorted()
}

/// The load's request: LLM-shaped spans in whole traces of four (a root and three children of it),
/// as an agent's request looks, so a per-trace buffer sees each trace complete.
func loadRequest(spans: Int) -> ExportRequest {
    var request = SampleRequests.llmShaped(spans: spans, seed: 7)
    var spansOut = request.resourceSpans[0].scopeSpans[0].spans
    for i in spansOut.indices {
        let root = i - i % 4
        if i == root {
            spansOut[i].parentSpanID = Data()
        } else {
            spansOut[i].traceID = spansOut[root].traceID
            spansOut[i].parentSpanID = spansOut[root].spanID
        }
    }
    request.resourceSpans[0].scopeSpans[0].spans = spansOut
    return request
}

final class Results: @unchecked Sendable {  // every field is guarded by `lock`
    let lock = NSLock()
    var ok = 0, refused = 0, failed = 0
    var latencies: [Double] = []
}

func runLoad(_ o: Options) throws {
    let request = loadRequest(spans: o.spansPerRequest)
    let template: [UInt8] = try request.serializedBytes()
    let lastIDBytes = idOffsets(in: template, of: request)
    let results = Results()
    let before = o.pid.flatMap { ProcessStats.read(pid: $0) }
    let start = Date()
    let deadline = start.addingTimeInterval(o.seconds)
    let interval = o.rate.map { Double(o.connections * o.spansPerRequest) / $0 }
    let done = DispatchGroup()
    for n in 0..<o.connections {
        done.enter()
        Thread.detachNewThread {
            defer { done.leave() }
            guard var client = try? LoadClient(port: o.port) else {
                results.lock.lock(); results.failed += 1; results.lock.unlock()
                return
            }
            var body = template
            var counter = UInt64(n) << 40
            var next = Date()
            var latencies: [Double] = []
            var ok = 0, refused = 0, failed = 0
            while Date() < deadline {
                counter += 1
                // Fresh ids: the counter goes into the last bytes of every trace and span id.
                for end in lastIDBytes {
                    for k in 0..<4 { body[end - k] = template[end - k] ^ UInt8(truncatingIfNeeded: counter >> (8 * UInt64(k))) }
                }
                let t0 = Date()
                let status = (try? client.post(path: o.path, contentType: "application/x-protobuf", headers: o.headers, body: body)) ?? 0
                latencies.append(Date().timeIntervalSince(t0))
                // A server may close after an answer (a refusal before the body is read does); as
                // an SDK would, open a new connection rather than fail every later request.
                if client.closed {
                    guard let fresh = try? LoadClient(port: o.port) else { failed += 1; break }
                    client = fresh
                }
                switch status {
                case 200: ok += 1
                case 429, 503: refused += 1
                default: failed += 1
                }
                if let interval {
                    next = next.addingTimeInterval(interval)
                    let wait = next.timeIntervalSinceNow
                    if wait > 0 { Thread.sleep(forTimeInterval: wait) }
                }
            }
            results.lock.lock()
            results.ok += ok; results.refused += refused; results.failed += failed
            results.latencies += latencies
            results.lock.unlock()
        }
    }
    done.wait()
    let elapsed = Date().timeIntervalSince(start)
    let after = o.pid.flatMap { ProcessStats.read(pid: $0) }
    let spans = Double(results.ok * o.spansPerRequest)
    let sorted = results.latencies.sorted()
    func percentile(_ p: Double) -> Double { sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] * 1000 }
    var line = String(
        format: "%@: %.0f spans/s accepted (%d ok, %d refused, %d failed requests of %d spans, %d bytes), p50 %.2f ms, p99 %.2f ms",
        o.label, spans / elapsed, results.ok, results.refused, results.failed, o.spansPerRequest, template.count,
        percentile(0.5), percentile(0.99))
    if let b = before, let a = after, spans > 0 {
        line += String(
            format: ", %.2f CPU s per 100k spans, peak RSS %.1f MiB",
            (a.cpuSeconds - b.cpuSeconds) / spans * 100_000, Double(a.peakRSSBytes) / 1_048_576)
    }
    print(line)
}

do {
    let options = parseOptions()
    if let port = options.sinkPort {
        try Sink().serve(port: port)
    } else if let path = options.writeGRPCBody {
        let message: [UInt8] = try loadRequest(spans: options.spansPerRequest).serializedBytes()
        let n = UInt32(message.count)
        let frame = [0, UInt8(n >> 24), UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF)] + message
        try Data(frame).write(to: URL(fileURLWithPath: path))
    } else {
        try runLoad(options)
    }
} catch {
    print("genai-collector-load: \(error)")
    exit(1)
}
