import CollectorCore
import Foundation

extension CostInferenceProcessor {
    /// ```yaml
    /// cost_inference:
    ///   provided_cost: keep_nonzero  # a span's own cost wins unless every value is 0 (default);
    ///                                # keep: it always wins, as in Langfuse; recompute: price anyway
    ///   builtin_prices: true       # start from the built-in catalog (167 models)
    ///   price_file: /etc/genai-collector/prices.json   # {"models": [...]}, over the built-in ones
    ///   models: [...]              # inline, over both (same fields as the price file; see PriceCatalog)
    /// ```
    public struct Config: Sendable, Equatable {
        /// What a span's own cost (`gen_ai.usage.cost`, cost details) does to pricing.
        public enum ProvidedCost: String, Sendable, CaseIterable {
            /// It wins, unless every value in it is 0: OpenLIT writes a cost of 0 for each model its
            /// price list lacks, which would hide the real spend.
            case keepNonzero = "keep_nonzero"
            /// It always wins, as in Langfuse.
            case keep
            /// Priced anyway, over it.
            case recompute
        }

        public var catalog: PriceCatalog
        public var providedCost: ProvidedCost

        public init(catalog: PriceCatalog = .builtin, providedCost: ProvidedCost = .keepNonzero) {
            self.catalog = catalog
            self.providedCost = providedCost
        }

        public init(_ map: inout ConfigMap) throws(ConfigError) {
            providedCost = try map.choice("provided_cost", default: ProvidedCost.keepNonzero)
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
