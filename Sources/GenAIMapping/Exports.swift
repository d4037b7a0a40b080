/// The records are made of the semantics layer's values (types, usage and cost details, notes), so a
/// user of the translator gets them with it.
@_exported import GenAISemantics
