import CollectorCore

/// What translation noticed in a span but could not use, by reason; the daemon counts each in
/// `genai_collector_translation_notes_total{reason}`.
public enum TranslationNote: String, CaseIterable, Sendable {
    /// A half or non-integer prompt link on a generation (Langfuse drops the generation instead).
    case promptLinkDropped = "prompt_link_dropped"
    /// A time-to-first-chunk that is not a finite delay of at most a week.
    case completionStartInvalid = "completion_start_invalid"
    /// User metadata keys beyond `MappingTables.maxMetadataKeys`.
    case metadataKeysDropped = "metadata_keys_dropped"
    /// A flattened message list (`gen_ai.prompt.N.*`) whose indices are too sparse to write with
    /// null holes: written compactly instead (nothing is lost).
    case flattenedIndexSparse = "flattened_index_sparse"
    /// A resource's or scope's attributes too large to repeat on every span under it: replaced in
    /// the records' metadata by a note of their size (see `SpanWalker.repeatBudget`).
    case repeatedAttributesOmitted = "repeated_attributes_omitted"
    /// A `gen_ai.evaluation.result` event without `gen_ai.evaluation.name`, or without a score
    /// value or label: no score can be made of it.
    case evaluationUnusable = "evaluation_unusable"

    var ordinal: Int { Self.allCases.firstIndex(of: self)! }
}

/// Counts per note, in a fixed array so counting allocates nothing.
public struct TranslationNotes: Sendable, Equatable {
    private var counts = [Int](repeating: 0, count: TranslationNote.allCases.count)

    public init() {}

    public subscript(note: TranslationNote) -> Int {
        get { counts[note.ordinal] }
        set { counts[note.ordinal] = newValue }
    }

    public mutating func add(_ other: TranslationNotes) {
        for i in counts.indices { counts[i] += other.counts[i] }
    }

    /// The notes that occurred, with their counts.
    public var nonZero: [(note: TranslationNote, count: Int)] {
        TranslationNote.allCases.compactMap { counts[$0.ordinal] > 0 ? ($0, counts[$0.ordinal]) : nil }
    }
}
