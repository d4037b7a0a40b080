import CollectorCore
import CollectorRuntime

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Loading a config for a command: every mistake on stderr, one per line, then exit 1.
enum ConfigSources {
    static func load(_ sources: [String]) -> CollectorConfig {
        do {
            return try CollectorConfig(try ConfigLoader().load(sources))
        } catch let error as ConfigErrors {
            fail(error.errors)
        } catch let error as ConfigError {
            fail([error])
        } catch {
            fail([ConfigError("", "\(error)")])
        }
    }

    static func fail(_ errors: [ConfigError]) -> Never {
        for e in errors { FileInput.writeStderr("genai-collector: config: \(e)\n") }
        exit(1)
    }
}
