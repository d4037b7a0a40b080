import CollectorCore

/// Scores the built-in detectors on a labelled corpus (`scripts/redaction-corpus.py`): recall per
/// detector on the positive samples, and the share of clean samples (prose, code, JSON) in which
/// anything was found. Used by the quality test and the benchmark.
public struct RedactionScore: Sendable {
    public struct Sample: Sendable {
        public var kind: String
        public var text: [UInt8]
        /// (detector name, the exact value it must cover)
        public var expect: [(String, [UInt8])]

        public init(kind: String, text: [UInt8], expect: [(String, [UInt8])]) {
            self.kind = kind
            self.text = text
            self.expect = expect
        }
    }

    /// detector → (found, expected); samples labelled `out_of_scope` count under `<detector> (out of scope)`.
    public var recall: [String: (found: Int, total: Int)] = [:]
    /// clean kind → (samples with a finding, samples)
    public var falsePositives: [String: (hits: Int, total: Int)] = [:]
    /// A few misses and false positives (five per detector or kind), for the report.
    public var examples: [String] = []
    private var exampleCounts: [String: Int] = [:]

    private mutating func example(_ key: String, _ text: String) {
        guard exampleCounts[key, default: 0] < 5 else { return }
        exampleCounts[key, default: 0] += 1
        examples.append(text)
    }

    public init() {}

    /// The corpus format of `scripts/redaction-corpus.py`: one `{"kind", "text", "expect": [[detector, value]]}` a line.
    public static func samples(jsonLines data: [UInt8]) throws -> [Sample] {
        var samples: [Sample] = []
        for line in data.split(separator: UInt8(ascii: "\n")) where !line.isEmpty {
            guard case .object(let m) = try JSONParser().parse(Array(line)) else { continue }
            func field(_ k: String) -> JSONValue? { m.first { $0.key == k }?.value }
            guard case .string(let kind)? = field("kind"), case .string(let text)? = field("text"), case .array(let expect)? = field("expect") else { continue }
            let pairs: [(String, [UInt8])] = expect.compactMap {
                guard case .array(let pair) = $0, pair.count == 2, case .string(let d) = pair[0], case .string(let v) = pair[1] else { return nil }
                return (d, Array(v.utf8))
            }
            samples.append(Sample(kind: kind, text: Array(text.utf8), expect: pairs))
        }
        return samples
    }

    public mutating func add(_ sample: Sample, scanner: PIIScanner = PIIScanner(), scratch: inout [ScanMatch]) {
        sample.text.withUnsafeBufferPointer { scanner.scan($0, into: &scratch) }
        if sample.expect.isEmpty {
            falsePositives[sample.kind, default: (0, 0)].total += 1
            if !scratch.isEmpty {
                falsePositives[sample.kind]!.hits += 1
                let m = scratch[0]
                example(
                    sample.kind,
                    "false positive (\(Detector.allCases[m.rule].rawValue)) in \(sample.kind): \(String(decoding: sample.text[m.start..<m.end], as: UTF8.self))"
                )
            }
            scratch.removeAll(keepingCapacity: true)
            return
        }
        for (detector, value) in sample.expect {
            let name = sample.kind == "out_of_scope" ? "\(detector) (out of scope)" : detector
            recall[name, default: (0, 0)].total += 1
            guard let s = Self.find(value, in: sample.text) else { continue }
            let e = s + value.count
            if scratch.contains(where: { Detector.allCases[$0.rule].rawValue == detector && $0.start <= s && $0.end >= e }) {
                recall[name]!.found += 1
            } else {
                example(name, "missed \(name): \(String(decoding: value, as: UTF8.self))")
            }
        }
        scratch.removeAll(keepingCapacity: true)
    }

    public static func find(_ needle: [UInt8], in hay: [UInt8]) -> Int? {
        guard !needle.isEmpty, needle.count <= hay.count else { return nil }
        outer: for i in 0...(hay.count - needle.count) {
            for k in 0..<needle.count where hay[i + k] != needle[k] { continue outer }
            return i
        }
        return nil
    }
}
