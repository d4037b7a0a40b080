#if canImport(Glibc)
import Glibc
#endif

/// The process's environment variables, read once.
public enum ProcessEnvironment {
    public static let variables: [String: String] = {
        var env: [String: String] = [:]
        var p = environ
        while let entry = p.pointee {
            let text = String(cString: entry)
            if let eq = text.firstIndex(of: "=") { env[String(text[..<eq])] = String(text[text.index(after: eq)...]) }
            p += 1
        }
        return env
    }()
}
