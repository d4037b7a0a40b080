import CollectorCore
import Foundation
import OTLP
import OTLPProto
import TestSupport
import SwiftProtobuf
import Testing

/// Singular messages sent twice (a second `resource`, `scope`, `status`, `KeyValue.value`,
/// `array_value`, `kvlist_value`) must be merged as protobuf merges them. 1,800 seeded mutants of
/// random requests, each with such a duplicate spliced in at a random depth (a third of them also
/// byte-mutated), are decoded by our walker, by swift-protobuf, and by Python's upb parser; all three
/// must agree, except where we are stricter on purpose (id lengths, wire types of known fields).
@Suite(.timeLimit(.minutes(5)))
struct MergeDifferentialTests {
    typealias AnyValue = Opentelemetry_Proto_Common_V1_AnyValue
    typealias KeyValue = Opentelemetry_Proto_Common_V1_KeyValue

    // MARK: wire splicing

    static func varint(_ v: Int) -> [UInt8] {
        var v = v, out: [UInt8] = []
        while v >= 0x80 { out.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
        return out + [UInt8(v)]
    }

    static func field(_ number: Int, _ payload: [UInt8]) -> [UInt8] { varint(number << 3 | 2) + varint(payload.count) + payload }

    /// Reads one varint at `i`; nil when malformed.
    static func readVarint(_ b: [UInt8], _ i: inout Int) -> Int? {
        var v = 0, shift = 0
        while i < b.count, shift < 64 {
            let c = b[i]
            i += 1
            v |= Int(c & 0x7F) << shift
            if c < 0x80 { return v }
            shift += 7
        }
        return nil
    }

    /// `extra` spliced into the sub-message reached by `path` ([(field, occurrence)]), at its end or
    /// its start, with every enclosing length fixed up.
    static func splice(_ extra: [UInt8], into bytes: [UInt8], at path: ArraySlice<(Int, Int)>, atStart: Bool) -> [UInt8]? {
        guard let (number, occurrence) = path.first else { return atStart ? extra + bytes : bytes + extra }
        var i = 0, seen = 0
        while i < bytes.count {
            let fieldStart = i
            guard let tag = readVarint(bytes, &i) else { return nil }
            switch tag & 7 {
            case 0: guard readVarint(bytes, &i) != nil else { return nil }
            case 1: i += 8
            case 5: i += 4
            case 2:
                guard let n = readVarint(bytes, &i), i + n <= bytes.count else { return nil }
                let payload = Array(bytes[i..<(i + n)])
                if tag >> 3 == number {
                    if seen == occurrence {
                        guard let inner = splice(extra, into: payload, at: path.dropFirst(), atStart: atStart) else { return nil }
                        return Array(bytes[..<fieldStart]) + field(number, inner) + Array(bytes[(i + n)...])
                    }
                    seen += 1
                }
                i += n
            default: return nil
            }
        }
        return nil
    }

    // MARK: mutants

    static func anyValue(_ rng: inout SampleRNG, depth: Int = 0) -> AnyValue {
        var v = AnyValue()
        switch rng.next() % (depth > 2 ? 4 : 6) {
        case 0: v.stringValue = "s\(rng.next() % 100)"
        case 1: v.intValue = Int64(bitPattern: rng.next())
        case 2: v.boolValue = rng.next() % 2 == 0
        case 3: v.doubleValue = Double(rng.next() % 1000) / 7
        case 4:
            var a = Opentelemetry_Proto_Common_V1_ArrayValue()
            a.values = (0..<Int(rng.next() % 3)).map { _ in anyValue(&rng, depth: depth + 1) }
            v.arrayValue = a
        default:
            var l = Opentelemetry_Proto_Common_V1_KeyValueList()
            l.values = (0..<Int(rng.next() % 3)).map { i in
                var kv = KeyValue()
                kv.key = "k\(i)"
                kv.value = anyValue(&rng, depth: depth + 1)
                return kv
            }
            v.kvlistValue = l
        }
        return v
    }

    static func serialized<M: SwiftProtobuf.Message>(_ m: M) -> [UInt8] { (try? m.serializedBytes()) ?? [] }

    /// A random request with one duplicate singular message spliced in; nil when the request has no
    /// place of the chosen kind.
    static func mutant(_ seed: UInt64) -> [UInt8]? {
        var rng = SampleRNG(seed: seed &* 7919)
        let request = SampleRequests.random(seed: seed)
        let bytes = serialized(request)
        func pick(_ n: Int) -> Int? { n == 0 ? nil : Int(rng.next() % UInt64(n)) }
        guard let r = pick(request.resourceSpans.count) else { return nil }
        let rs = request.resourceSpans[r]
        var path: [(Int, Int)] = [(1, r)]
        var extra: [UInt8]
        switch rng.next() % 6 {
        case 0:
            var res = Opentelemetry_Proto_Resource_V1_Resource()
            res.attributes = [
                KeyValue.with {
                    $0.key = "service.name"; $0.value = anyValue(&rng)
                }
            ]
            res.droppedAttributesCount = UInt32(rng.next() % 3)
            extra = field(1, serialized(res))
        case 1:
            guard let s = pick(rs.scopeSpans.count) else { return nil }
            path.append((2, s))
            var scope = Opentelemetry_Proto_Common_V1_InstrumentationScope()
            scope.name = rng.next() % 2 == 0 ? "" : "second-scope"
            scope.attributes = [
                KeyValue.with {
                    $0.key = "scope.attr"; $0.value = anyValue(&rng)
                }
            ]
            extra = field(1, serialized(scope))
        default:
            guard let s = pick(rs.scopeSpans.count), let k = pick(rs.scopeSpans[s].spans.count) else { return nil }
            path += [(2, s), (2, k)]
            let span = rs.scopeSpans[s].spans[k]
            if rng.next() % 3 == 0 || span.attributes.isEmpty {
                var st = Opentelemetry_Proto_Trace_V1_Status()
                st.code = rng.next() % 2 == 0 ? .unset : .error
                st.message = rng.next() % 2 == 0 ? "" : "second"
                extra = field(15, serialized(st))
            } else {
                let a = pick(span.attributes.count)!
                path.append((9, a))
                let current = span.attributes[a].value
                switch (current.value, rng.next() % 3) {
                case (.arrayValue?, 0):
                    path.append((2, 0))
                    var more = Opentelemetry_Proto_Common_V1_ArrayValue()
                    more.values = [anyValue(&rng), anyValue(&rng)]
                    extra = field(5, serialized(more))
                case (.kvlistValue?, 0):
                    path.append((2, 0))
                    var more = Opentelemetry_Proto_Common_V1_KeyValueList()
                    more.values = [
                        KeyValue.with {
                            $0.key = "extra"; $0.value = anyValue(&rng)
                        }
                    ]
                    extra = field(6, serialized(more))
                default:
                    extra = field(2, serialized(anyValue(&rng)))
                }
            }
        }
        guard var out = splice(extra, into: bytes, at: path[...], atStart: rng.next() % 4 == 0) else { return nil }
        if seed % 3 == 0, !out.isEmpty {  // and a byte mutation on top, for a third of them
            let at = Int(rng.next() % UInt64(out.count))
            out[at] ^= UInt8(1 << (rng.next() % 8))
        }
        return out
    }

    static let mutants: [[UInt8]] = {
        var out: [[UInt8]] = []
        var seed: UInt64 = 1
        while out.count < 1800 {
            if let m = mutant(seed) { out.append(m) }
            seed += 1
        }
        return out
    }()

    /// Where we refuse what protobuf parsers accept, on purpose.
    static func strictByDesign(_ e: OTLPDecodingError) -> Bool {
        switch e.kind {
        case .invalidID, .invalidWireType: return true
        default: return false
        }
    }

    /// Ours against swift-protobuf, in process.
    @Test func duplicatesMergeAsSwiftProtobufMergesThem() async throws {
        let disagreements = try await offPool { () -> [String] in
            var out: [String] = []
            for (i, m) in Self.mutants.enumerated() {  // built here, off the pool (a lazy static blocks its readers)
                let reference = try? ExportRequest(serializedBytes: m)
                let ours = Result { () throws(OTLPDecodingError) in try OTLPProtobufDecoder().decode(m) }
                switch (reference, ours) {
                case (let r?, .success(let b)):
                    if Canonical.of(b) != Canonical.of(r) { out.append("mutant \(i): different content") }
                case (_?, .failure(let e)):
                    if !Self.strictByDesign(e) { out.append("mutant \(i): we refused (\(e)), swift-protobuf accepted") }
                case (nil, .success): out.append("mutant \(i): we accepted, swift-protobuf refused")
                case (nil, .failure): break
                }
            }
            return out
        }
        #expect(disagreements.isEmpty, "\(disagreements.count): \(disagreements.prefix(5))")
    }

    /// Ours against Python's upb parser, which re-serializes what it read canonically.
    @Test func duplicatesMergeAsUPBMergesThem() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("merge-mutants-\(UUID().uuidString).bin")
        defer { try? FileManager.default.removeItem(at: file) }
        let mutants = try await offPool { Self.mutants }  // built off the pool: a lazy static blocks its readers
        var data = Data()
        for m in mutants {
            withUnsafeBytes(of: UInt32(m.count).littleEndian) { data.append(contentsOf: $0) }
            data.append(contentsOf: m)
        }
        try data.write(to: file)
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("upb_reserialize.py").path
        let (status, out) = try await offPool { () -> (Int32, String) in
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = ["python3", script, file.path]
            let pipe = Pipe()
            p.standardOutput = pipe
            try p.run()
            let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitForExit()
            return (p.terminationStatus, text)
        }
        #expect(status == 0)
        let answers = out.split(separator: "\n")
        try #require(answers.count == mutants.count)
        let (agreed, strict, outsideSchema, disagreements) = try await offPool { () -> (Int, Int, Int, [String]) in
            var agreed = 0, strict = 0, outsideSchema = 0
            var out: [String] = []
            for (i, m) in mutants.enumerated() {
                let answer = answers[i]
                let ours = Result { () throws(OTLPDecodingError) in try OTLPProtobufDecoder().decode(m) }
                if answer.hasPrefix("OK ") {
                    let reference = try ExportRequest(serializedBytes: Hex.decodeBytes(String(answer.dropFirst(3))))
                    switch ours {
                    case .success(let b):
                        if Canonical.of(b) == Canonical.of(reference) { agreed += 1 } else { out.append("mutant \(i): different content") }
                    case .failure(let e) where Self.strictByDesign(e): strict += 1
                    case .failure(let e): out.append("mutant \(i): we refused (\(e)), upb accepted")
                    }
                } else if case .success(let b) = ours {
                    // upb knows fields our schema does not (Resource.entity_refs, say) and checks their
                    // strings; we skip them as unknown, as swift-protobuf built from our schema does.
                    if answer.hasSuffix("String field had bad UTF-8"), let r = try? ExportRequest(serializedBytes: m),
                        Canonical.of(b) == Canonical.of(r)
                    {
                        outsideSchema += 1
                    } else {
                        out.append("mutant \(i): we accepted, upb refused (\(answer))")
                    }
                } else {
                    agreed += 1
                }
            }
            return (agreed, strict, outsideSchema, out)
        }
        #expect(disagreements.isEmpty, "\(disagreements.count): \(disagreements.prefix(5))")
        #expect(agreed + strict + outsideSchema == mutants.count && agreed > 1500, "\(agreed) \(strict) \(outsideSchema)")
    }
}

extension Hex {
    static func decodeBytes(_ text: String) -> [UInt8] {
        let u = Array(text.utf8)
        return stride(from: 0, to: u.count - 1, by: 2).map { UInt8(nibble(u[$0])! << 4 | nibble(u[$0 + 1])!) }
    }
}
