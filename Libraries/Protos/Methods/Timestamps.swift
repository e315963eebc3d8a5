extension CommonTimestamp {
    /// A timestamp of `value` microseconds since the Unix epoch.
    public static func micros(_ value: Int64) -> CommonTimestamp {
        var timestamp = CommonTimestamp()
        timestamp.unixMicros = value
        return timestamp
    }

    public static func seconds(_ value: Int64) -> CommonTimestamp { .micros(value * 1_000_000) }
}
