import CollectorCore

/// Token usage, normalised to Langfuse's canonical buckets: cached and reasoning counts are split
/// out of input and output, and `total` is always present when any count is.
extension SpanContext {
    public func usageDetails() -> UsageDetails? {
        if isAggregateAgentSpan || isMarkedAggregate { return nil }
        return spanUsage()
    }

    /// The usage the span carries, whether or not it is an aggregate of its descendants'.
    public func spanUsage() -> UsageDetails? {
        var raw: [(String, JSONValue)]?
        switch explicitDetails(.langfuseObservationUsageDetails) {
        case .some(.some(let members)): raw = members.map { ($0.key, $0.value) }
        case .some(.none): return nil  // present but unusable: no fallback, as in Langfuse
        case .none: break
        }
        var usage: UsageDetails
        if let raw {
            usage = schemaStep(raw)
        } else if scopeName == ScopeName.genkit.rawValue, let u = genkitUsage() {
            usage = u
        } else if scopeName == ScopeName.vercelAI.rawValue {
            usage = vercelUsage()
        } else {
            usage = genericUsage()
            guard scopeName == ScopeName.googleADK.rawValue else { return usage.isEmpty ? nil : usage }
            if adkCachedTokens(&usage) {
                // The total is the buckets' sum after the split, whatever total came with the span.
                usage[UsageKeys.total] = nil
                usage[UsageKeys.total] = usage.values.reduce(0, +)
            }
        }
        if usage.isEmpty { return nil }
        if usage[UsageKeys.total] == nil { usage[UsageKeys.total] = usage.values.reduce(0, +) }
        return usage.canonicalized()
    }

    /// `.none`: absent or not JSON (fall through); `.some(nil)`: present but not an object.
    func explicitDetails(_ key: AttributeKey) -> [JSONMember]?? {
        guard let v = value(key) else { return .none }
        guard case .string(let r) = v else { return .some(nil) }
        // Parsed where it lies in the byte store: no String, no copy (every priced span has one).
        let parsed: JSONValue? = batch.bytes.withUnsafeBufferPointer { all in
            do { return try JSONParser().parse(buffer: UnsafeBufferPointer(rebasing: all[r.lowerBound..<r.upperBound])) } catch { return nil }
        }
        guard let parsed else { return .none }
        guard case .object(let members) = parsed else { return .some(nil) }
        return .some(members)
    }

    /// The generic rule over `gen_ai.usage.*` and `llm.token_count.*`: counters are classified
    /// from their key bytes; the first alias present (in alias order) supplies each bucket.
    func genericUsage() -> UsageDetails {
        let usage = UInt8(AttributeKeyPrefix.genAIUsage.ordinal), tokens = UInt8(AttributeKeyPrefix.llmTokenCount.ordinal)
        let usageLength = AttributeKeyPrefix.genAIUsage.rawValue.utf8.count
        let tokensLength = AttributeKeyPrefix.llmTokenCount.rawValue.utf8.count
        var best = [(rank: Int, value: Double)?](repeating: nil, count: UsageKeys.bucketCount)
        var passThrough: [(String, Double)] = []
        batch.bytes.withUnsafeBufferPointer { store in
            for p in index.prefixed where p.family == usage || p.family == tokens {
                let a = batch.attributes[Int(p.index)]
                let start = a.key.lowerBound + (p.family == usage ? usageLength : tokensLength)
                let suffix = UnsafeBufferPointer(rebasing: store[start..<a.key.upperBound])
                if p.family == usage && suffix.elementsEqual("cost".utf8) { continue }
                guard let n = number(a.value, in: batch) else { continue }
                if let (bucket, rank) = UsageKeys.suffixTable.lookup(suffix) {
                    if let b = best[bucket.rawValue], b.rank < rank { continue }
                    best[bucket.rawValue] = (rank, n)
                } else {
                    passThrough.append((String(decoding: suffix, as: UTF8.self), n))
                }
            }
        }
        return normalize(best, passThrough)
    }

    /// Splits cached/creation/audio out of input and reasoning/audio out of output; `total`
    /// defaults to the sum. Written directly in canonical order (the fixed buckets' names are
    /// listed alphabetically in `UsageKeys.sortedDetailBuckets`).
    func normalize(_ best: [(rank: Int, value: Double)?], _ passThrough: [(String, Double)]) -> UsageDetails {
        func value(_ b: UsageKeys.Bucket) -> Double? { best[b.rawValue]?.value }
        let cacheRead = value(.cacheRead) ?? 0, cacheCreation = value(.cacheCreation) ?? 0
        let inputAudio = value(.inputAudio) ?? 0, reasoning = value(.reasoning) ?? 0, outputAudio = value(.outputAudio) ?? 0
        var keys: [String] = []
        var counts: [Int64] = []
        keys.reserveCapacity(8)
        counts.reserveCapacity(8)
        var sum: Int64 = 0
        func put(_ key: String, _ v: Int64) {
            keys.append(key)
            counts.append(v)
            sum &+= v
        }
        if let input = value(.input) { put(UsageKeys.input, count(max(0, input - cacheRead - cacheCreation - inputAudio))) }
        if let output = value(.output) { put(UsageKeys.output, count(max(0, output - reasoning - outputAudio))) }
        let totalAt = keys.count
        if let total = value(.total) { keys.append(UsageKeys.total); counts.append(count(total)) }
        let detailsStart = keys.count
        for b in UsageKeys.sortedDetailBuckets { if let v = value(b), v >= 0 { put(UsageKeys.bucketNames[b.rawValue], count(v)) } }
        if !passThrough.isEmpty {
            for (key, v) in passThrough where v >= 0 && v == v.rounded() {
                let name = key.hasPrefix("details.") ? String(key.dropFirst("details.".count)) : key
                if let at = keys.firstIndex(of: name) { sum &-= counts[at]; counts[at] = count(v); sum &+= counts[at] } else { put(name, count(v)) }
            }
            let details = zip(keys[detailsStart...], counts[detailsStart...]).sorted { $0.0 < $1.0 }
            keys.replaceSubrange(detailsStart..., with: details.map(\.0))
            counts.replaceSubrange(detailsStart..., with: details.map(\.1))
        }
        if value(.total) == nil, !keys.isEmpty {
            keys.insert(UsageKeys.total, at: totalAt)
            counts.insert(sum, at: totalAt)
        }
        return UsageDetails(keys: keys, values: counts)
    }

    /// Langfuse's schema step: an OpenAI-shaped usage object becomes canonical buckets, with each
    /// `*_tokens_details` entry split out; otherwise only non-negative integers are kept.
    func schemaStep(_ raw: [(String, JSONValue)]) -> UsageDetails {
        let keys = Set(raw.map(\.0))
        let chat = ["prompt_tokens", "completion_tokens", "total_tokens"]
        let responses = ["input_tokens", "output_tokens", "total_tokens"]
        for (shape, detailKeys) in [
            (chat, ["prompt_tokens_details", "completion_tokens_details"]),
            (responses, ["input_tokens_details", "output_tokens_details"]),
        ]
        where keys.isSubset(of: Set(shape + detailKeys)) && keys.contains(shape[0]) && keys.contains(shape[1]) {
            var u = UsageDetails()
            let values = Dictionary(raw, uniquingKeysWith: { _, b in b })
            var input = number(values[shape[0]] ?? .null) ?? 0
            var output = number(values[shape[1]] ?? .null) ?? 0
            for (side, detailKey) in [("input", detailKeys[0]), ("output", detailKeys[1])] {
                guard case .object(let details)? = values[detailKey] else { continue }
                for d in details {
                    guard let n = number(d.value), n >= 0 else { continue }
                    u["\(side)_\(d.key)"] = count(n)
                    if side == "input" { input -= n } else { output -= n }
                }
            }
            u[UsageKeys.input] = count(max(0, input))
            u[UsageKeys.output] = count(max(0, output))
            if let total = number(values["total_tokens"] ?? .null) { u[UsageKeys.total] = count(total) }
            return u
        }
        var u = UsageDetails()
        for (k, v) in raw {
            if let n = number(v), n >= 0, n == n.rounded() { u[k] = count(n) }
        }
        return u
    }

    /// Genkit's `genkit:output.usage`: thoughts are `output_reasoning` and come out of output
    /// (floored at 0); a key is written only when its count is not zero.
    private func genkitUsage() -> UsageDetails? {
        guard case .object(let usage)? = parsedJSON(.genkitOutput)?["usage"] else { return nil }
        var u = UsageDetails()
        func put(_ key: String, _ v: Double?) { if let v, count(v) != 0 { u[key] = count(v) } }
        let thoughts = number(usage.value(for: "thoughtsTokens") ?? .null)
        put(UsageKeys.input, number(usage.value(for: "inputTokens") ?? .null))
        put(UsageKeys.output, number(usage.value(for: "outputTokens") ?? .null).map { max(0, $0 - (thoughts ?? 0)) })
        put(UsageKeys.total, number(usage.value(for: "totalTokens") ?? .null))
        put(UsageKeys.genkitReasoning, thoughts)
        return u
    }

    private func vercelUsage() -> UsageDetails {
        var u = UsageDetails()
        func n(_ k: AttributeKey) -> Double? { value(k).flatMap { number(batch.jsonValue($0)) } }
        if let i = n(.genAIUsagePromptTokens) ?? n(.genAIUsageInputTokens) { u[UsageKeys.input] = count(i) }
        if let o = n(.genAIUsageCompletionTokens) ?? n(.genAIUsageOutputTokens) { u[UsageKeys.output] = count(o) }
        if let t = n(.aiUsageTokens) { u[UsageKeys.total] = count(t) }
        if let c = n(.aiUsageCachedInputTokens) { u[UsageKeys.cachedInput] = count(c) }
        if let r = n(.aiUsageReasoningTokens) { u[UsageKeys.reasoning] = count(r) }
        if let meta = parsedJSON(.aiResponseProviderMetadata) {
            func fill(_ key: String, _ v: JSONValue?) {
                if u[key] == nil, let v, let x = number(v) { u[key] = count(x) }
            }
            fill(UsageKeys.cachedInput, meta["openai"]?["cachedPromptTokens"])
            fill(UsageKeys.reasoning, meta["openai"]?["reasoningTokens"])
            let anthropic = meta["anthropic"]?["usage"]
            fill(UsageKeys.cacheCreation, anthropic?["cache_creation_input_tokens"])
            fill(UsageKeys.cachedInput, anthropic?["cache_read_input_tokens"])
            fill("input_cache_creation_5m", anthropic?["cache_creation"]?["ephemeral_5m_input_tokens"])
            fill("input_cache_creation_1h", anthropic?["cache_creation"]?["ephemeral_1h_input_tokens"])
            if let total = u[UsageKeys.cacheCreation] {
                let split = (u["input_cache_creation_5m"] ?? 0) + (u["input_cache_creation_1h"] ?? 0)
                if split > 0 { u[UsageKeys.cacheCreation] = max(0, total - split) }
            }
            let bedrock = meta["bedrock"]?["usage"]
            fill("input_cache_read", bedrock?["cacheReadInputTokens"])
            fill("input_cache_write", bedrock?["cacheWriteInputTokens"])
            fill(UsageKeys.cacheCreation, bedrock?["cacheCreationInputTokens"])
        }
        if let input = u[UsageKeys.input] {
            let caches = u.keys.filter { $0.hasPrefix("input_cache") }.compactMap { u[$0] }.reduce(0, +)
            u[UsageKeys.input] = max(0, input - caches)
        }
        if let output = u[UsageKeys.output], let r = u[UsageKeys.reasoning] { u[UsageKeys.output] = max(0, output - r) }
        return u
    }

    /// Takes ADK's cached count (from the `llm_response` blob) out of input; true when it did.
    private func adkCachedTokens(_ u: inout UsageDetails) -> Bool {
        guard u[UsageKeys.cachedInput] == nil,
            let cached = parsedJSON(.adkLLMResponse)?["usage_metadata"]?["cached_content_token_count"],
            let c = number(cached)
        else { return false }
        u[UsageKeys.cachedInput] = count(c)
        if let input = u[UsageKeys.input] { u[UsageKeys.input] = max(0, input - count(c)) }
        return true
    }
}

/// Number() of an attribute value, reading strings only when the value is one.
func number(_ v: AttributeValue, in batch: TraceBatch) -> Double? {
    switch v {
    case .int(let i): return Double(i)
    case .double(let d): return d.isNaN ? nil : d
    case .string: return number(batch.jsonValue(v))
    default: return nil
    }
}

/// JavaScript's Number() on the values instrumentations send: numbers and numeric strings.
func number(_ v: JSONValue) -> Double? {
    switch v {
    case .int(let i): return Double(i)
    case .double(let d): return d.isNaN ? nil : d
    case .string(let s):
        let t = s.drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed()
        return t.isEmpty ? 0 : Double(String(t))
    default: return nil
    }
}

func count(_ d: Double) -> Int64 {
    guard d.isFinite else { return 0 }
    return Int64(max(min(d, 9.0e18), -9.0e18))
}
