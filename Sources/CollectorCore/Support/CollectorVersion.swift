/// The collector's version, as it names itself to peers (`x-langfuse-sdk-version`, `--version`).
public enum CollectorVersion {
    public static let current = "0.5.0"
}
