import Synchronization

/// A bounded in-memory map whose entries each carry their own expiry: expired entries are dropped
/// when met, and a full cache is simply emptied (entries are cheap to make again; tracking recency
/// would cost more than it saves). Serves the edge's verified-token and `/me` caches and Jobs'
/// cache of callers' tiers. Inlinable so that each user's module specializes it for its value:
/// unspecialized, the generic lookups cost the edge's /me several percent (docs/performance.md).
public final class ExpiringCache<Value: Sendable>: Sendable {
    @usableFromInline
    struct Entry: Sendable {
        @usableFromInline let value: Value
        @usableFromInline let expires: ContinuousClock.Instant

        @inlinable init(value: Value, expires: ContinuousClock.Instant) {
            self.value = value
            self.expires = expires
        }
    }

    @usableFromInline let entries = Mutex([String: Entry]())
    @usableFromInline let capacity: Int

    @inlinable public init(capacity: Int) { self.capacity = capacity }

    /// The value, if stored and not expired.
    @inlinable public func value(for key: String) -> Value? {
        let now = ContinuousClock.now
        return self.entries.withLock { entries in
            guard let entry = entries[key] else { return nil }
            guard entry.expires > now else {
                entries[key] = nil
                return nil
            }
            return entry.value
        }
    }

    @inlinable public func store(_ value: Value, for key: String, until expires: ContinuousClock.Instant) {
        self.entries.withLock { entries in
            if entries.count >= self.capacity { entries.removeAll(keepingCapacity: true) }
            entries[key] = Entry(value: value, expires: expires)
        }
    }

    @inlinable public func remove(_ key: String) {
        _ = self.entries.withLock { $0.removeValue(forKey: key) }
    }
}
