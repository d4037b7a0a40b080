import ArgumentParser
import CollectorRuntime
import ComponentModel

/// `genai-collector components`: every component type this build has, by section, each with the
/// smallest config that runs it.
struct ComponentsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "components",
        abstract: "List the receivers, processors, exporters and extensions this build has, with a minimal config for each.")

    func run() throws {
        var lines: [String] = []
        var section = ""
        for c in ComponentRegistry.all {
            if c.kind.section != section {
                section = c.kind.section
                lines.append("\(section):")
            }
            lines.append("  \(c.type): \(c.example)")
        }
        FileInput.writeStdout(Array((lines.joined(separator: "\n") + "\n").utf8))
    }
}
