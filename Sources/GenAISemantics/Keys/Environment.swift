import CollectorCore

/// Langfuse's environment name rules, shared by the translator and the `environment` processor.
public enum Environment {
    public static let defaultName = "default"
    public static let maxLength = 40

    /// Lower-case; strip every leading `langfuse` (with an optional `-`/`_`); cut to 40 characters;
    /// anything empty or outside `[a-z0-9_-]` becomes `default`.
    public static func normalize(_ raw: String) -> String {
        var s = Substring(raw.lowercased())
        while s.hasPrefix("langfuse") {
            s = s.dropFirst("langfuse".count)
            if s.hasPrefix("-") || s.hasPrefix("_") { s = s.dropFirst() }
        }
        let cut = String(s.prefix(maxLength))
        let allowed = cut.utf8.allSatisfy { c in
            (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c == 95 || c == 45
        }
        return cut.isEmpty || !allowed ? defaultName : cut
    }
}
