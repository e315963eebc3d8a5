import Foundation
import Logging
import Postgres
import RPC
import ServiceRuntime

/// Everything Storage's operations share: the metadata database, the object backend, the staging
/// area and the settings. The operations live in extensions, one file per concern: Uploads,
/// Blobs, Downloads, Zips.
struct BlobStore: Sendable {
    let database: PostgresPool
    let backend: any BlobBackend
    let staging: StagingArea
    let configuration: StorageConfiguration
    let logger: Logger

    /// The bytes `owner` uses (every blob counts in full, deduplicated or not) and how many blobs:
    /// one row that a trigger on `blobs` keeps (Services/Storage/SQL, migration 3).
    func usage(of owner: String, in session: (any PostgresQuerying)? = nil) async throws -> (bytes: Int64, count: Int64)
    {
        guard let row = try await (session ?? self.database).query(StorageStatements.usage, [owner]).first else {
            return (0, 0)
        }
        return (try row.decode("bytes"), try row.decode("blobs"))
    }

    /// Whether a blob still names the content `sha256`; asked under that object's lock
    /// (`object:<sha256>`, held by `session`'s transaction) before its object is removed.
    func isNamed(_ sha256: String, in session: PostgresSession) async throws -> Bool {
        try await !session.query("SELECT 1 FROM blobs WHERE sha256 = $1 LIMIT 1", [sha256]).isEmpty
    }

    static let fenceStands = "SELECT 1 FROM backup_fences WHERE until > now() LIMIT 1"

    /// Removes an object no blob names (under its lock) — unless a backup fence stands: then the
    /// object stays, recorded for the sweeper, so a backup's copy finds what its dump names
    /// (migration 6, compose/backup).
    func removeObject(_ sha256: String, in session: PostgresSession) async throws {
        if try await !session.query(Self.fenceStands).isEmpty {
            try await session.execute(
                "INSERT INTO deferred_removals (sha256) VALUES ($1) ON CONFLICT (sha256) DO NOTHING", [sha256])
        } else {
            try await self.mapped { try await self.backend.remove(sha256) }
        }
    }

    /// Under the object's lock (taken here; again is harmless), removes the object when no blob names
    /// it any more; answers whether it did.
    @discardableResult
    func removeObjectIfUnnamed(_ sha256: String, in session: PostgresSession) async throws -> Bool {
        _ = try await session.query(StorageStatements.lock, ["object:\(sha256)"])
        guard try await !self.isNamed(sha256, in: session) else { return false }
        try await self.removeObject(sha256, in: session)
        return true
    }

    /// Removes the objects whose removal a fence deferred, once no fence stands and no blob names
    /// them again; answers how many.
    func removeDeferredObjects() async throws -> Int {
        guard try await self.database.query(Self.fenceStands).isEmpty else {
            return 0
        }
        var removed = 0
        for row in try await self.database.query("SELECT sha256 FROM deferred_removals ORDER BY since LIMIT 200") {
            let sha256: String = try row.decode("sha256")
            try await self.database.transaction { session in
                if try await self.removeObjectIfUnnamed(sha256, in: session) { removed += 1 }
                try await session.execute("DELETE FROM deferred_removals WHERE sha256 = $1", [sha256])
            }
        }
        return removed
    }

    /// Backend and file failures as statuses: a full disk is `storage_full`, the rest `storage_unavailable`.
    func mapped<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as FileError where error.isNoSpace {
            self.logger.error("storage full", metadata: ["error": "\(error)"])
            throw failure.storageFull
        } catch let error as FileError {
            self.logger.error("file operation failed", metadata: ["error": "\(error)"])
            throw failure.backendUnavailable(error.call)
        } catch let error as S3ErrorDescribing {
            self.logger.error("object store failed", metadata: ["error": "\(error)"])
            throw failure.backendUnavailable(error.shortDescription)
        }
    }
}

/// Backend errors that may be shown (shortly) to a caller.
protocol S3ErrorDescribing: Error { var shortDescription: String { get } }
