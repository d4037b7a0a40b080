import CollectorCore
import Foundation

extension CostInferenceProcessor {
    /// ```yaml
    /// cost_inference:
    ///   provided_cost: keep        # keep (default, as Langfuse): a span's own cost wins; recompute: price anyway
    ///   builtin_prices: true       # start from the built-in catalog (167 models)
    ///   price_file: /etc/genai-collector/prices.json   # {"models": [...]}, over the built-in ones
    ///   models: [...]              # inline, over both (same fields as the price file; see PriceCatalog)
    /// ```
    public struct Config: Sendable, Equatable {
        public var catalog: PriceCatalog
        public var recompute: Bool

        public init(catalog: PriceCatalog = .builtin, recompute: Bool = false) {
            self.catalog = catalog
            self.recompute = recompute
        }

        public init(_ map: inout ConfigMap) throws(ConfigError) {
            recompute = try map.choice("provided_cost", ["keep", "recompute"], default: "keep") == "recompute"
            var catalog = try map.bool("builtin_prices", default: true) ? PriceCatalog.builtin : PriceCatalog(models: [])
            if let path = try map.string("price_file") {
                let text: String
                do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
                    throw ConfigError(map.childPath("price_file"), "cannot read \(path): \(error.localizedDescription)")
                }
                catalog = catalog.overridden(by: try PriceCatalog(json: text, path: "\(map.childPath("price_file")) (\(path))"))
            }
            if map.has("models") {
                catalog = catalog.overridden(by: try PriceCatalog(&map))
            }
            if catalog.models.isEmpty {
                throw ConfigError(map.path, "no prices: builtin_prices is false and neither price_file nor models is given")
            }
            self.catalog = catalog
        }
    }
}
