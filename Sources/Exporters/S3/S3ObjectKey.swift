import Foundation
import CollectorCore
import ExporterHelper

/// Object keys: `<prefix>/<project>/year=YYYY/month=MM/day=DD/hour=HH/<uuid>.<ext>` (the prefix and
/// project segments only when configured). The `key=value` segments are Hive-style partitions, so
/// Athena, Spark, DuckDB and ClickHouse's `s3()` prune by hour; the UUID (version 4) makes every
/// object new, so no write ever replaces another.
enum S3ObjectKey {
    /// Hours since the Unix epoch: the partition an object belongs to.
    static func hour(unixNanos: UInt64) -> Int64 { Int64(unixNanos / 3_600_000_000_000) }

    static func make(prefix: String, projectID: String?, hour: Int64, uuid: String, fileExtension: String) -> String {
        let (stamp, _) = SigV4.timestamps(hour * 3600)  // 20261129T210000Z
        let chars = Array(stamp)
        let date = "year=\(String(chars[0..<4]))/month=\(String(chars[4..<6]))/day=\(String(chars[6..<8]))/hour=\(String(chars[9..<11]))"
        var key = prefix.isEmpty ? "" : prefix + "/"
        if let projectID { key += projectID + "/" }
        return key + date + "/" + uuid + "." + fileExtension
    }

    /// A random (version 4) UUID, lower-case.
    static func uuid() -> String { UUID().uuidString.lowercased() }
}
