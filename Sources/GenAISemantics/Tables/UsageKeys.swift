/// Usage bucket names: the canonical ones Langfuse prices by, and the aliases each
/// instrumentation uses for them (after the `gen_ai.usage.` / `llm.token_count.` prefix).
import CollectorCore

enum UsageKeys {
    static let input = "input"
    static let output = "output"
    static let total = "total"
    static let cachedInput = "input_cached_tokens"
    static let cacheCreation = "input_cache_creation"
    static let reasoning = "output_reasoning_tokens"
    /// Genkit's reasoning bucket (`thoughtsTokens`), as Langfuse names it for that scope only.
    static let genkitReasoning = "output_reasoning"
    static let outputAudio = "output_audio_tokens"

    static let inputAliases = ["prompt_tokens", "input_tokens", "prompt"]
    static let outputAliases = ["completion_tokens", "output_tokens", "completion"]
    static let totalAliases = ["total_tokens", "total"]
    static let cacheReadAliases = [
        "cache_read.input_tokens", "cache_read_input_tokens", "cache_read_tokens", "details.cache_read_tokens",
        "details.cache_read_input_tokens", "prompt_details.cache_read", "input_cached_tokens",
    ]
    /// `cache_write.input_tokens` is the GenAI conventions' newer spelling; Langfuse does not know it yet.
    static let cacheCreationAliases = [
        "cache_creation.input_tokens", "cache_creation_input_tokens", "cache_write_tokens", "details.cache_write_tokens",
        "details.cache_creation_input_tokens", "prompt_details.cache_write", "input_cache_creation",
        "cache_write.input_tokens",
    ]
    /// `reasoning_tokens` is OpenLLMetry's spelling; Langfuse passes it through unsubtracted.
    static let reasoningAliases = ["reasoning.output_tokens", "completion_details.reasoning", "reasoning_tokens"]
    static let outputAudioAliases = ["completion_details.audio"]
    static let inputAudio = "input_audio_tokens"
    /// Ours: OpenInference's prompt audio count, split out of input like the OpenAI usage object's.
    static let inputAudioAliases = ["prompt_details.audio"]

    enum Bucket: Int, CaseIterable {
        case input, output, total, cacheRead, cacheCreation, reasoning, outputAudio, inputAudio
    }

    static let bucketCount = Bucket.allCases.count

    /// Detail buckets in the alphabetical order of their names.
    static let sortedDetailBuckets: [Bucket] = [.inputAudio, .cacheCreation, .cacheRead, .outputAudio, .reasoning]

    /// Output name of each bucket.
    static let bucketNames = [input, output, total, cachedInput, cacheCreation, reasoning, outputAudio, inputAudio]

    /// Alias bytes → (bucket, rank), for classifying counters without making Strings.
    static let suffixTable = ByteKeyTable<(Bucket, Int)>(aliases.map { ($0.key, $0.value) })

    /// Alias → (bucket, rank); a lower rank wins when several aliases are present.
    static let aliases: [String: (Bucket, Int)] = {
        var table: [String: (Bucket, Int)] = [:]
        let lists: [(Bucket, [String])] = [
            (.input, inputAliases), (.output, outputAliases), (.total, totalAliases), (.cacheRead, cacheReadAliases),
            (.cacheCreation, cacheCreationAliases), (.reasoning, reasoningAliases), (.outputAudio, outputAudioAliases),
            (.inputAudio, inputAudioAliases),
        ]
        for (bucket, names) in lists {
            for (rank, name) in names.enumerated() { table[name] = (bucket, rank) }
        }
        return table
    }()
}
