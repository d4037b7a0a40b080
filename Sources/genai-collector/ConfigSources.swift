import CollectorCore
import CollectorRuntime

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Loading a config for a command: every mistake on stderr, one per line, then exit 1.
enum ConfigSources {
    /// The values `${...}` put in place, for `fail` to keep out of messages.
    nonisolated(unsafe) static var substituted: SubstitutionLog?

    static func load(_ sources: [String]) -> CollectorConfig {
        let loader = ConfigLoader()
        substituted = loader.log
        do {
            return try CollectorConfig(try loader.load(sources))
        } catch let error as ConfigErrors {
            fail(error.errors)
        } catch let error as ConfigError {
            fail([error])
        } catch {
            fail([ConfigError("", "\(error)")])
        }
    }

    /// Every mistake on its own line. A value that came from `${env:...}` or `${file:...}` is shown
    /// as that reference: it may be a secret, or a whole file.
    static func fail(_ errors: [ConfigError]) -> Never {
        for e in errors { FileInput.writeStderr("genai-collector: config: \(substituted?.redact(e) ?? e)\n") }
        exit(1)
    }
}
