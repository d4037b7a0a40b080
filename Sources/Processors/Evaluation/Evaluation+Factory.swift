import CollectorCore
import ComponentModel

extension Evaluation.Config: ComponentConfig {}

extension Evaluation {
    /// Observation evaluators run anywhere in place; with a trace-scope evaluator the processor runs
    /// on whole traces, after `groupbytrace` and before `batch`.
    public struct Factory: ProcessorFactory {
        public typealias Config = Evaluation.Config
        public init() {}
        public var type: String { Evaluation.type }
        public var example: String { "{evaluators: {valid_json: {rule: json}}}" }
        public func stage(of config: Config) -> ProcessorStage { config.needsWholeTraces ? .perTrace : .inPlace }
        public func make(_ config: Config, settings: ComponentSettings) -> ProcessorRole {
            let p = EvaluationProcessor(id: settings.id.description, config: config, settings: settings)
            return config.needsWholeTraces ? .perTrace(p) : .inPlace(p)
        }
    }
}
