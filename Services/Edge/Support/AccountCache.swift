import Foundation
import NIOCore
import ServiceRuntime

/// `GET /api/v1/me` answers (the JSON bytes) the edge built recently, by user id: the hottest
/// authenticated route then costs a local token check and no call. Entries live for
/// EDGE_ACCOUNT_CACHE_MS (default 2 s); this edge drops a user's entry whenever it forwards a change
/// to that account, so a user always sees their own edits here, and another edge replica shows them
/// at most that long later. Role and identity never come from here: they come from the token.
final class AccountCache: Sendable {
    private let cache: ExpiringCache<ByteBuffer>
    private let lifetime: Duration

    init(lifetime: Duration, capacity: Int = 100_000) {
        self.cache = ExpiringCache(capacity: capacity)
        self.lifetime = lifetime
    }

    func body(_ userID: String) -> ByteBuffer? { self.cache.value(for: userID) }

    func store(_ body: ByteBuffer, for userID: String) {
        guard self.lifetime > .zero else { return }
        self.cache.store(body, for: userID, until: .now + self.lifetime)
    }

    func forget(_ userID: String) { self.cache.remove(userID) }
}
