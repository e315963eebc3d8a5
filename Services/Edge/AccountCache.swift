import Foundation
import NIOCore
import NIOConcurrencyHelpers

/// `GET /api/v1/me` answers (the JSON bytes) the edge built recently, by user id: the hottest
/// authenticated route then costs a local token check and no call. Entries live for
/// EDGE_ACCOUNT_CACHE_MS (default 2 s); this edge drops a user's entry whenever it forwards a change
/// to that account, so a user always sees their own edits here, and another edge replica shows them
/// at most that long later. Role and identity never come from here: they come from the token.
final class AccountCache: Sendable {
    private struct Entry: Sendable {
        let body: ByteBuffer
        let expires: ContinuousClock.Instant
    }

    private let entries = NIOLockedValueBox([String: Entry]())
    private let lifetime: Duration
    private let capacity: Int

    init(lifetime: Duration = AccountCache.configuredLifetime, capacity: Int = 100_000) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    static var configuredLifetime: Duration {
        .milliseconds(ProcessInfo.processInfo.environment["EDGE_ACCOUNT_CACHE_MS"].flatMap(Int.init) ?? 2_000)
    }

    func body(_ userID: String) -> ByteBuffer? {
        let now = ContinuousClock.now
        return self.entries.withLockedValue { entries in
            guard let entry = entries[userID] else { return nil }
            guard entry.expires > now else {
                entries[userID] = nil
                return nil
            }
            return entry.body
        }
    }

    func store(_ body: ByteBuffer, for userID: String) {
        guard self.lifetime > .zero else { return }
        let entry = Entry(body: body, expires: .now + self.lifetime)
        self.entries.withLockedValue { entries in
            // Full: start over rather than track recency; entries are cheap to fetch again.
            if entries.count >= self.capacity { entries.removeAll(keepingCapacity: true) }
            entries[userID] = entry
        }
    }

    func forget(_ userID: String) {
        _ = self.entries.withLockedValue { $0.removeValue(forKey: userID) }
    }
}
