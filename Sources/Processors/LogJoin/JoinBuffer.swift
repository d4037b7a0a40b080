import CollectorCore

/// The join's state, without clocks or tasks: trace requests whose model spans wait for their
/// records, and records that wait for their span, each side for `window` and within the bounds.
/// Every record and every waiting span leaves with an outcome, counted.
public struct JoinBuffer: Sendable {
    public struct SpanKey: Hashable, Sendable {
        public let trace: TraceID
        public let span: SpanID
    }

    /// What a held record waits for: its span, or, for a record without span context (an evaluator
    /// that scores a response after the fact), the model span with its `gen_ai.response.id`.
    enum RecordKey: Hashable, Sendable {
        case span(SpanKey)
        case response(String)
    }

    /// What happened to records: `joined`, `unmatched` (the window ran out with no span), `evicted`
    /// (the bound was reached), `flushed` (the join stopped).
    public enum RecordOutcome: String, Sendable, CaseIterable { case joined, unmatched, evicted, flushed }
    /// What happened to spans that waited: `joined` (their output record came), `no_records` (the
    /// window ran out; they go without it), `evicted` (the bound), `flushed` (the join stopped).
    public enum SpanOutcome: String, Sendable, CaseIterable {
        case joined
        case noRecords = "no_records"
        case evicted, flushed
    }

    struct Request: Sendable {
        var batch: TraceBatch
        let cost: Int
        let at: Duration
        let bytes: Int
        var pending: Set<SpanKey>
        var index: [SpanKey: Int]
        /// Response ids of its waiting spans.
        var responses: [String]
    }

    /// A request ready to go on: the token the caller gave when it added it.
    public struct Released: Sendable {
        public var batch: TraceBatch
        public let cost: Int
        public let token: Int
    }

    public let config: LogJoin.Config
    private var scopes: Set<String>
    private var requests: [Int: Request] = [:]
    private var requestOrder: [Int] = []
    private var requestHead = 0
    private var waiting: [SpanKey: Int] = [:]
    /// Waiting spans by their `gen_ai.response.id`.
    private var waitingResponses: [String: SpanKey] = [:]
    private var records: [RecordKey: [(seq: Int, at: Duration, record: JoinedRecord)]] = [:]
    /// Held records that wait for a response id (so spans are only searched for one when some do).
    private var heldByResponse = 0
    private var recordOrder: [(key: RecordKey, seq: Int)] = []
    private var recordHead = 0
    private var nextSeq = 0
    public private(set) var heldRecords = 0
    public private(set) var bytes = 0
    public private(set) var recordOutcomes: [RecordOutcome: Int] = [:]
    public private(set) var spanOutcomes: [SpanOutcome: Int] = [:]

    public init(config: LogJoin.Config) {
        self.config = config
        scopes = Set(config.scopes)
    }

    public var waitingSpans: Int { waiting.count }
    public var heldRequests: Int { requests.count }

    /// A trace request: records already here are attached; if model spans of a content-logging
    /// scope still lack their output, it is held (under `token`) and nil comes back.
    public mutating func add(_ batch: TraceBatch, cost: Int, token: Int, now: Duration) -> [Released] {
        var batch = batch
        var pending: Set<SpanKey> = []
        var index: [SpanKey: Int] = [:]
        var responses: [String] = []
        for scope in batch.scopes {
            let waits = scopes.contains(batch.string(scope.name))
            for i in scope.spans.range {
                let key = SpanKey(trace: batch.spans[i].traceID, span: batch.spans[i].spanID)
                var held = records.removeValue(forKey: .span(key)) ?? []
                let response = heldByResponse > 0 || waits ? Self.responseID(batch, i) : nil
                if heldByResponse > 0, let response, let more = records.removeValue(forKey: .response(response)) {
                    heldByResponse -= more.count
                    held += more
                }
                var gotOutput = false
                if !held.isEmpty {
                    for h in held { bytes -= h.record.bytes }
                    heldRecords -= held.count
                    recordOutcomes[.joined, default: 0] += held.count
                    gotOutput = held.contains { $0.record.isOutput }
                    JoinedRecord.attach(held.map(\.record), to: i, of: &batch)
                    if gotOutput { spanOutcomes[.joined, default: 0] += 1 }
                }
                if waits && !gotOutput && Self.isModelCall(batch, i) {
                    pending.insert(key)
                    index[key] = i
                    if let response, waitingResponses[response] == nil {
                        waitingResponses[response] = key
                        responses.append(response)
                    }
                }
            }
        }
        guard !pending.isEmpty else { return [Released(batch: batch, cost: cost, token: token)] }
        // Its tables and bytes, and a measured allowance for the maps that find its spans
        // (`genai-collector-bench --log-join` compares what is counted with what is held).
        let size = batch.bytes.capacity + batch.tableBytes + 1024 + pending.count * 192
        requests[token] = Request(batch: batch, cost: cost, at: now, bytes: size, pending: pending, index: index, responses: responses)
        requestOrder.append(token)
        for key in pending { waiting[key] = token }
        bytes += size
        return evict()
    }

    /// A logs request's GenAI event records: attached to waiting spans (a span that gets its output
    /// lets its request go once none of its spans waits), the rest held for their span.
    public mutating func offer(_ logs: TraceBatch, now: Duration) -> [Released] {
        // Records for waiting spans, by request and span (in the order they came).
        var byRequest: [Int: [SpanKey: [JoinedRecord]]] = [:]
        for r in logs.logRecords {
            guard let record = JoinedRecord(r, in: logs) else { continue }
            let held: RecordKey
            if let trace = r.traceID, let span = r.spanID {
                held = .span(SpanKey(trace: trace, span: span))
            } else if let response = record.responseID {
                held = .response(response)
            } else {
                continue
            }
            let target: SpanKey? =
                switch held {
                case .span(let key): key
                case .response(let id): waitingResponses[id]
                }
            if let key = target, let token = waiting[key] {
                byRequest[token, default: [:]][key, default: []].append(record)
                continue
            }
            if case .response = held { heldByResponse += 1 }
            records[held, default: []].append((nextSeq, now, record))
            recordOrder.append((held, nextSeq))
            nextSeq += 1
            heldRecords += 1
            bytes += record.bytes
        }
        var released: [Released] = []
        for (token, bySpan) in byRequest {
            // Taken out while it changes, so its tables are not copied.
            guard var request = requests.removeValue(forKey: token) else { continue }
            for (key, list) in bySpan {
                guard let i = request.index[key] else { continue }
                JoinedRecord.attach(list, to: i, of: &request.batch)
                recordOutcomes[.joined, default: 0] += list.count
                if list.contains(where: \.isOutput), request.pending.remove(key) != nil {
                    waiting[key] = nil
                    spanOutcomes[.joined, default: 0] += 1
                }
            }
            requests[token] = request
            if request.pending.isEmpty { released.append(remove(token)) }
        }
        return released + evict()
    }

    /// Everything whose window has run out by `now`.
    public mutating func due(now: Duration) -> [Released] {
        let cutoff = now - config.window
        while recordHead < recordOrder.count {
            let (key, seq) = recordOrder[recordHead]
            guard let held = records[key]?.first(where: { $0.seq == seq }) else {
                recordHead += 1
                continue
            }
            guard held.at <= cutoff else { break }
            dropRecord(key, seq, .unmatched)
            recordHead += 1
        }
        compactOrders()
        var released: [Released] = []
        while requestHead < requestOrder.count {
            let token = requestOrder[requestHead]
            guard let r = requests[token] else {
                requestHead += 1
                continue
            }
            guard r.at <= cutoff else { break }
            spanOutcomes[.noRecords, default: 0] += r.pending.count
            released.append(remove(token))
            requestHead += 1
        }
        return released
    }

    /// The join stops: every request goes, every record is counted.
    public mutating func drain() -> [Released] {
        for (key, list) in records { for h in list { dropRecord(key, h.seq, .flushed) } }
        let released = requestOrder[requestHead...].compactMap { token -> Released? in
            guard let r = requests[token] else { return nil }
            spanOutcomes[.flushed, default: 0] += r.pending.count
            return remove(token)
        }
        requestOrder = []
        requestHead = 0
        recordOrder = []
        recordHead = 0
        return released
    }

    /// A model call whose content is not on the span already: GenAI operation or provider
    /// attributes, no `gen_ai.output.messages` (an instrumentation set to put content on spans), and
    /// no output event (joined already, by a collector before this one).
    static func isModelCall(_ batch: TraceBatch, _ i: Int) -> Bool {
        let attrs = batch.spans[i].attributes
        guard batch.attributeIndex(in: attrs, key: "gen_ai.output.messages") == nil else { return false }
        if batch.events[batch.spans[i].events.range].contains(where: { e in JoinedRecord.outputs.contains { batch.equals(e.name, $0) } }) { return false }
        return batch.attributeIndex(in: attrs, key: "gen_ai.operation.name") != nil || batch.attributeIndex(in: attrs, key: "gen_ai.system") != nil
            || batch.attributeIndex(in: attrs, key: "gen_ai.provider.name") != nil
    }

    /// The span's `gen_ai.response.id`, when it has one as text.
    static func responseID(_ batch: TraceBatch, _ i: Int) -> String? {
        guard let a = batch.attributeIndex(in: batch.spans[i].attributes, key: "gen_ai.response.id"), case .string(let r) = batch.attributes[a].value,
            r.count > 0
        else { return nil }
        return batch.string(r)
    }

    private mutating func remove(_ token: Int) -> Released {
        let r = requests.removeValue(forKey: token)!
        for key in r.pending { waiting[key] = nil }
        for id in r.responses where waitingResponses[id].map({ r.index[$0] != nil }) ?? false { waitingResponses[id] = nil }
        bytes -= r.bytes
        return Released(batch: r.batch, cost: r.cost, token: token)
    }

    private mutating func dropRecord(_ key: RecordKey, _ seq: Int, _ outcome: RecordOutcome) {
        guard var list = records[key], let at = list.firstIndex(where: { $0.seq == seq }) else { return }
        if case .response = key { heldByResponse -= 1 }
        bytes -= list[at].record.bytes
        list.remove(at: at)
        records[key] = list.isEmpty ? nil : list
        heldRecords -= 1
        recordOutcomes[outcome, default: 0] += 1
    }

    /// Over a bound: the oldest records go first (counted), then the oldest requests go on early.
    private mutating func evict() -> [Released] {
        while heldRecords > config.maxRecords || (bytes > config.maxBytes && heldRecords > 0) {
            guard recordHead < recordOrder.count else { break }
            let (key, seq) = recordOrder[recordHead]
            dropRecord(key, seq, .evicted)
            recordHead += 1
        }
        var released: [Released] = []
        while waiting.count > config.maxSpans || bytes > config.maxBytes, requestHead < requestOrder.count {
            let token = requestOrder[requestHead]
            requestHead += 1
            guard let r = requests[token] else { continue }
            spanOutcomes[.evicted, default: 0] += r.pending.count
            released.append(remove(token))
        }
        compactOrders()
        return released
    }

    /// The order lists drop what they have passed once it is most of them.
    private mutating func compactOrders() {
        if recordHead > 1024 && recordHead * 2 > recordOrder.count {
            recordOrder.removeFirst(recordHead)
            recordHead = 0
        }
        if requestHead > 1024 && requestHead * 2 > requestOrder.count {
            requestOrder.removeFirst(requestHead)
            requestHead = 0
        }
    }
}
