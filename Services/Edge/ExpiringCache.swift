import NIOConcurrencyHelpers

/// A bounded in-memory map whose entries each carry their own expiry: expired entries are dropped
/// when met, and a full cache is simply emptied (entries are cheap to make again; tracking recency
/// would cost more than it saves). Serves the edge's verified-token and `/me` caches.
final class ExpiringCache<Value: Sendable>: Sendable {
    private struct Entry: Sendable {
        let value: Value
        let expires: ContinuousClock.Instant
    }

    private let entries = NIOLockedValueBox([String: Entry]())
    private let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    /// The value, if stored and not expired.
    func value(for key: String) -> Value? {
        let now = ContinuousClock.now
        return self.entries.withLockedValue { entries in
            guard let entry = entries[key] else { return nil }
            guard entry.expires > now else {
                entries[key] = nil
                return nil
            }
            return entry.value
        }
    }

    func store(_ value: Value, for key: String, until expires: ContinuousClock.Instant) {
        self.entries.withLockedValue { entries in
            if entries.count >= self.capacity { entries.removeAll(keepingCapacity: true) }
            entries[key] = Entry(value: value, expires: expires)
        }
    }

    func remove(_ key: String) {
        _ = self.entries.withLockedValue { $0.removeValue(forKey: key) }
    }
}
