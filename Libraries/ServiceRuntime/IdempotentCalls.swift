import Crypto
import Postgres
import RPC
import SwiftProtobuf

/// Idempotency keys for mutating calls: the first answer to (caller, method, key) is stored in the
/// same transaction as the change it reports, with the SHA-256 of the request it answered (never the
/// request: it may carry a password). A retry with the same key and the same request gets that
/// answer back without running again; the same key with another request is refused. Calls that
/// fail store nothing, so a retry runs afresh.
///
/// Needs a table with columns (caller text, method text, key text, request bytea,
/// response bytea), primary key (caller, method, key).
public struct IdempotentCalls: Sendable {
    public let database: PostgresPool
    public let table: String
    public let domain: String
    /// Without a key a call runs once, unprotected, instead of being refused.
    public let keyRequired: Bool

    public init(database: PostgresPool, table: String = "idempotency_keys", domain: String, keyRequired: Bool = true) {
        self.database = database
        self.table = table
        self.domain = domain
        self.keyRequired = keyRequired
    }

    /// What is stored of a request: its digest. Rows written before digests held the encoding itself.
    static func requestDigest(_ bytes: [UInt8]) -> [UInt8] { Array(SHA256.hash(data: bytes)) }

    /// A key is required: at most 200 printable ASCII characters, no spaces.
    public static func check(_ key: String, domain: String) throws(RPCError) -> String {
        guard !key.isEmpty else {
            throw RPCError.reasoned(
                .invalidArgument, domain: domain, reason: "idempotency_key_required",
                "this call needs an idempotency key", field: "idempotency_key")
        }
        guard key.utf8.count <= 200, key.utf8.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E }) else {
            throw RPCError.reasoned(
                .invalidArgument, domain: domain, reason: "invalid_idempotency_key",
                "at most 200 printable ASCII characters, no spaces", field: "idempotency_key")
        }
        return key
    }

    /// The request as stored beside its answer: deterministic encoding, so the same request gives the same bytes.
    public static func requestBytes(_ request: some SwiftProtobuf.Message) throws -> [UInt8] {
        var options = BinaryEncodingOptions()
        options.useDeterministicOrdering = true
        return try request.serializedBytes(options: options)
    }

    /// Runs `body` once per key. `stored` turns the answer into what a replay gets back: an answer
    /// that carries a secret shown once stores a copy without it (and saying so).
    public func run<Response: SwiftProtobuf.Message & Sendable>(
        caller: String, method: String, key: String, request: some SwiftProtobuf.Message,
        stored: @Sendable (Response) -> Response = { $0 },
        _ body: @Sendable (PostgresSession) async throws -> Response
    ) async throws -> Response {
        if key.isEmpty && !self.keyRequired { return try await self.database.transaction { try await body($0) } }
        _ = try Self.check(key, domain: self.domain)
        let requestBytes = try Self.requestBytes(request)
        let digest = Self.requestDigest(requestBytes)
        return try await self.database.transaction { session in
            // Two calls with the same key at once: the second waits here, then finds the first's answer.
            _ = try await session.query("SELECT pg_advisory_xact_lock(hashtext($1))", ["\(caller)|\(method)|\(key)"])
            if let row = try await session.query(
                "SELECT request, response FROM \(self.table) WHERE caller = $1 AND method = $2 AND key = $3",
                [caller, method, key]
            ).first {
                let storedRequest = try row.decode("request", as: [UInt8].self)
                guard storedRequest == digest || storedRequest == requestBytes else {
                    throw RPCError.reasoned(
                        .failedPrecondition, domain: self.domain, reason: "idempotency_key_reused",
                        "this idempotency key was used for a different request", field: "idempotency_key")
                }
                RPCTrailers.markReplayed()
                return try Response(serializedBytes: try row.decode("response", as: [UInt8].self))
            }
            let response = try await body(session)
            try await session.execute(
                "INSERT INTO \(self.table) (caller, method, key, request, response) VALUES ($1, $2, $3, $4, $5)",
                [caller, method, key, digest, try stored(response).serializedBytes() as [UInt8]]
            )
            return response
        }
    }
}
