import CollectorCore
import ComponentModel
@testable import Exporters
import TestSupport
import Testing

/// The merge rules of trace rows across batches, and the cache's bounds.
struct TraceRowCacheTests {
    static let day: Int64 = 86_400_000
    static let noon: Int64 = 20_000 * day + day / 2

    static func row(_ n: UInt64 = 1, at ms: Int64 = noon, content: Bool = true, _ edit: (inout TraceRow) -> Void = { _ in }) -> TraceRow {
        var r = TraceRow(id: TraceID(high: 0, low: n), timestampMillis: ms, environment: "prod")
        r.hasContent = content
        edit(&r)
        return r
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var base: TraceRow?
        var update: TraceRow
        var expected: TraceRow
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "no base: the update as it is", base: nil, update: row { $0.name = "a" }, expected: row { $0.name = "a" }),
        Case(
            name: "later non-empty values win, absent ones keep the base",
            base: row {
                $0.name = "root"; $0.input = "q"; $0.output = "a"; $0.userID = "u"
            },
            update: row {
                $0.sessionID = "s"; $0.userID = "u2"
            },
            expected: row {
                $0.name = "root"; $0.input = "q"; $0.output = "a"; $0.userID = "u2"; $0.sessionID = "s"
            }),
        Case(
            name: "tags are united and sorted", base: row { $0.tags = ["b", "c"] }, update: row { $0.tags = ["a", "b"] },
            expected: row { $0.tags = ["a", "b", "c"] }),
        Case(
            name: "metadata merges by key, the update's value winning",
            base: row { $0.metadata = [.init(key: "k1", value: "1"), .init(key: "k2", value: "2")] },
            update: row { $0.metadata = [.init(key: "k2", value: "two"), .init(key: "k3", value: "3")] },
            expected: row { $0.metadata = [.init(key: "k1", value: "1"), .init(key: "k2", value: "two"), .init(key: "k3", value: "3")] }),
        Case(
            name: "an explicit public false wins", base: row { $0.isPublic = true }, update: row { $0.isPublic = false }, expected: row { $0.isPublic = false }),
        Case(name: "public unstated keeps the base", base: row { $0.isPublic = true }, update: row(), expected: row { $0.isPublic = true }),
        Case(name: "the earliest timestamp, within the day", base: row(at: noon), update: row(at: noon - 5000), expected: row(at: noon - 5000)),
        Case(name: "a later timestamp does not move it", base: row(at: noon - 5000), update: row(at: noon), expected: row(at: noon - 5000)),
        Case(name: "another day: the stored row's timestamp stays", base: row(at: noon), update: row(at: noon - day), expected: row(at: noon)),
        Case(
            name: "the environment is the first one", base: row { $0.environment = "prod" },
            update: row {
                $0.environment = "staging"; $0.name = "x"
            },
            expected: row {
                $0.environment = "prod"; $0.name = "x"
            }),
        Case(
            name: "a minimal record never replaces a fuller row",
            base: row {
                $0.name = "root"; $0.input = "q"
            }, update: row(at: noon + 9, content: false),
            expected: row {
                $0.name = "root"; $0.input = "q"
            }),
        Case(name: "a known-absent base takes the update", base: row(content: false), update: row { $0.name = "n" }, expected: row { $0.name = "n" }),
    ]

    @Test(arguments: cases) func mergeRules(_ c: Case) {
        #expect(TraceRow.merge(c.base, c.update) == c.expected)
    }

    @Test func cachedRowsExpireOnTheInjectedClock() {
        let clock = ManualClock()
        let cache = TraceRowCache(limits: .init(ttl: .seconds(600), maxBytes: 1 << 20), time: Timeline(clock))
        let a = Self.row(1) { $0.name = "root" }
        let first = cache.apply([a], stored: [:], nowMillis: 1000)
        #expect(first.write.map(\.id) == [a.id] && first.write[0].eventMillis == 1000)
        #expect(cache.missing([a.id, Self.row(2).id]) == [Self.row(2).id])
        // The same update again: nothing to write; an update that changes it: event_ts moves past
        // the last one even when the wall clock went back.
        let again = cache.apply([a], stored: [:], nowMillis: 1000)
        #expect(again.write.isEmpty && again.unchanged == 1 && again.hits == 1)
        let tagged = cache.apply([Self.row(1) { $0.tags = ["t"] }], stored: [:], nowMillis: 900)
        #expect(tagged.write.count == 1 && tagged.write[0].eventMillis == 1001 && tagged.write[0].name == "root")
        clock.advance(by: .seconds(599))
        #expect(cache.missing([a.id]).isEmpty)
        clock.advance(by: .seconds(1))
        #expect(cache.missing([a.id]) == [a.id])
        // An expired row is not merged into: the stored one is.
        let stored = Self.row(1) {
            $0.name = "from clickhouse"; $0.eventMillis = 5000
        }
        let after = cache.apply([Self.row(1) { $0.userID = "u" }], stored: [a.id: stored], nowMillis: 2000)
        #expect(after.hits == 0 && after.write.first?.name == "from clickhouse" && after.write.first?.eventMillis == 5001)
        #expect(cache.count == 1)
    }

    @Test func theByteBoundDropsTheLeastRecentlyWritten() {
        let one = Self.row(1) { $0.input = String(repeating: "x", count: 1000) }
        let size = one.approximateBytes
        let cache = TraceRowCache(limits: .init(ttl: .seconds(600), maxBytes: 3 * size), time: Timeline(ManualClock()))
        let rows = (1...3).map { n in Self.row(UInt64(n)) { $0.input = String(repeating: "x", count: 1000) } }
        let three = cache.apply(rows, stored: [:], nowMillis: 1)
        #expect(three.write.count == 3 && three.evicted == 0)
        #expect(cache.count == 3 && cache.bytes == 3 * size)
        let touched = cache.apply([rows[0]], stored: [:], nowMillis: 2)  // 1 is now the most recent
        #expect(touched.hits == 1 && touched.unchanged == 1 && touched.write.isEmpty)
        let fourth = cache.apply([Self.row(4) { $0.input = String(repeating: "y", count: 1000) }], stored: [:], nowMillis: 3)
        #expect(fourth.evicted == 1 && cache.count == 3 && cache.bytes <= 3 * size)
        #expect(cache.missing(rows.map(\.id)) == [rows[1].id])
        cache.forget([rows[0].id])
        #expect(cache.missing(rows.map(\.id)) == [rows[0].id, rows[1].id])
        // A row larger than the whole cache is written but not kept.
        let huge = cache.apply([Self.row(9) { $0.input = String(repeating: "z", count: 10 * size) }], stored: [:], nowMillis: 4)
        #expect(huge.write.count == 1 && cache.missing([Self.row(9).id]).count == 1)
    }

    /// A trace seen only through minimal records is not remembered as having no row: nobody read
    /// whether it has one, and the next update must read it.
    @Test func minimalOnlyTracesAreNotKept() {
        let cache = TraceRowCache(limits: .init(ttl: .seconds(600), maxBytes: 1 << 20), time: Timeline(ManualClock()))
        let out = cache.apply([Self.row(1, content: false)], stored: [:], nowMillis: 1)
        #expect(out.write.isEmpty && out.merged.count == 1 && cache.count == 0)
        #expect(cache.missing([Self.row(1).id]).count == 1)
    }

    @Test func ttlZeroKeepsNothing() {
        let cache = TraceRowCache(limits: .init(ttl: .zero, maxBytes: 1 << 20), time: Timeline(ManualClock()))
        let out = cache.apply([Self.row(1) { $0.name = "n" }], stored: [:], nowMillis: 1)
        #expect(out.write.count == 1 && cache.count == 0)
    }
}
