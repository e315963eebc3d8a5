import Crypto
import Foundation
import ImageSwissProtos
import Logging
import RPC
import Tokens

/// Auth's token-signing public keys, fetched over RPC and kept in memory, so that access tokens are
/// verified without a call per request. A token naming an unknown key id triggers one refetch (at
/// most one per second): that is how a key rotation reaches the edge without downtime.
actor PublicKeyCache {
    private let auth: RPCClient
    private let logger: Logger
    private var keys = PublicKeySet()
    private var fetchedAt: ContinuousClock.Instant?
    private var refreshing: Task<Void, Never>?
    /// Keys are re-read at least this often (retired keys drop out).
    private let maxAge: Duration = .seconds(60)

    init(auth: RPCClient, logger: Logger) {
        self.auth = auth
        self.logger = logger
    }

    /// The current key set; refetches when stale or when `missing` is not in it.
    func keySet(missing keyID: String? = nil) async -> PublicKeySet {
        let stale = self.fetchedAt.map { ContinuousClock.now - $0 > self.maxAge } ?? true
        let unknown = keyID.map { self.keys[$0] == nil } ?? false
        let recently = self.fetchedAt.map { ContinuousClock.now - $0 < .milliseconds(100) } ?? false
        if stale || (unknown && !recently) { await self.refresh() }
        return self.keys
    }

    private func refresh() async {
        if let refreshing { return await refreshing.value }  // one fetch for everyone waiting
        let task = Task { await self.fetch() }
        self.refreshing = task
        await task.value
        self.refreshing = nil
    }

    private func fetch() async {
        do {
            let response = try await self.auth.unary(AuthMethods.getPublicKeys, AuthGetPublicKeysRequest(), options: .init(timeout: .seconds(2)))
            var keys: [String: Curve25519.Signing.PublicKey] = [:]
            for key in response.keys where key.algorithm == AccessToken.algorithm {
                keys[key.keyID] = try? Curve25519.Signing.PublicKey(rawRepresentation: key.key)
            }
            self.keys = PublicKeySet(keys)
            self.fetchedAt = .now
        } catch {
            // Keep the keys we have: Auth being briefly away must not sign everyone out.
            self.logger.warning("could not fetch token keys from auth", metadata: ["error": "\(error)"])
            if self.fetchedAt == nil || self.keys.isEmpty { self.fetchedAt = nil }
        }
    }
}
