import Foundation
import ImageSwissProtos
import Logging
import NIOConcurrencyHelpers
import RPC
import Tokens

/// Auth's token-signing public keys, fetched over RPC and kept in memory, so that access tokens are
/// verified without a call per request. A token naming an unknown key id triggers a refetch (at
/// most one per 100 ms — later ones wait their turn — shared by everyone waiting): that is how a key rotation reaches the edge
/// without downtime. The common case — fresh keys — is one uncontended lock, no task hop.
final class PublicKeyCache: Sendable {
    private struct State {
        var keys = PublicKeySet()
        var fetchedAt: ContinuousClock.Instant?
        var refreshing: Task<Void, Never>?
    }

    private let auth: RPCClient
    private let logger: Logger
    private let state = NIOLockedValueBox(State())
    /// Keys are re-read at least this often (retired keys drop out).
    private let maxAge: Duration = .seconds(60)

    init(auth: RPCClient, logger: Logger) {
        self.auth = auth
        self.logger = logger
    }

    /// The current key set; refetches first when stale, or when `keyID` is missing from it.
    func keySet(missing keyID: String? = nil) async -> PublicKeySet {
        let now = ContinuousClock.now
        let (keys, needsFetch, wait) = self.state.withLockedValue { state -> (PublicKeySet, Bool, Duration) in
            let age = state.fetchedAt.map { now - $0 }
            let stale = age.map { $0 > self.maxAge } ?? true
            let unknown = keyID.map { state.keys[$0] == nil } ?? false
            // An unknown key right after a fetch waits out the rest of the 100 ms, then fetches:
            // a rotation that just happened is still found, and forged key ids cannot flood Auth.
            let wait = unknown ? max(.zero, .milliseconds(100) - (age ?? .milliseconds(100))) : .zero
            return (state.keys, stale || unknown, wait)
        }
        guard needsFetch else { return keys }
        if wait > .zero { try? await Task.sleep(for: wait) }
        await self.refresh()
        return self.state.withLockedValue { $0.keys }
    }

    private func refresh() async {
        let task = self.state.withLockedValue { state -> Task<Void, Never> in
            if let running = state.refreshing { return running }
            let task = Task { await self.fetch() }
            state.refreshing = task
            return task
        }
        await task.value
    }

    private func fetch() async {
        var fetched: PublicKeySet?
        do {
            let response = try await self.auth.unary(
                AuthMethods.getPublicKeys, AuthGetPublicKeysRequest(), options: .init(timeout: .seconds(2)))
            var keys: [String: Curve25519PublicKey] = [:]
            for key in response.keys where key.algorithm == AccessToken.algorithm {
                keys[key.keyID] = try? Curve25519PublicKey(rawRepresentation: key.key)
            }
            fetched = PublicKeySet(keys)
        } catch {
            // Keep the keys we have: Auth being briefly away must not sign everyone out.
            self.logger.warning("could not fetch token keys from auth", metadata: ["error": "\(error)"])
        }
        self.state.withLockedValue { state in
            if let fetched {
                state.keys = fetched
                state.fetchedAt = .now
            }
            state.refreshing = nil
        }
    }
}
