import CollectorCore

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
    static func uuid() -> String {
        var bytes = (0..<16).map { _ in UInt8.random(in: 0...255) }
        bytes[6] = bytes[6] & 0x0F | 0x40
        bytes[8] = bytes[8] & 0x3F | 0x80
        let hex = SigV4.hex(bytes)
        let c = Array(hex)
        return "\(String(c[0..<8]))-\(String(c[8..<12]))-\(String(c[12..<16]))-\(String(c[16..<20]))-\(String(c[20..<32]))"
    }
}
