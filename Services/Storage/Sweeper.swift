import Foundation
import Logging
import Postgres
import ServiceLifecycle
import ServiceRuntime

/// The background sweep, every STORAGE_SWEEP_INTERVAL_MS: blobs past their expiry (object
/// included when it was the last reference), uploads never committed and past their time,
/// staging files no upload row knows (a crash between the two), and objects whose removal a
/// backup fence deferred (once no fence stands).
struct Sweeper: Service {
    let store: BlobStore
    let interval: Duration
    let logger: Logger

    func run() async throws {
        await repeatUntilShutdown(every: self.interval, logger: self.logger, level: .error, failure: "sweep failed") {
            let (blobs, uploads, files) = try await self.sweepOnce()
            if blobs + uploads + files > 0 {
                self.logger.info(
                    "swept",
                    metadata: ["expired_blobs": "\(blobs)", "expired_uploads": "\(uploads)", "stray_files": "\(files)"])
            }
        }
    }

    func sweepOnce() async throws -> (blobs: Int, uploads: Int, files: Int) {
        var blobs = 0
        while true {
            let expired = try await self.store.database.query(
                "SELECT id, owner_id FROM blobs WHERE expires_at <= now() ORDER BY expires_at LIMIT 200"
            )
            if expired.isEmpty { break }
            for row in expired {
                try? await self.store.remove(try row.decode("id"), owner: try row.decode("owner_id"))
                blobs += 1
            }
            if expired.count < 200 { break }
        }
        let uploads = try await self.store.database.query(
            "DELETE FROM uploads WHERE expires_at <= now() RETURNING id, blob_id")
        for row in uploads where try row.decodeIfPresent("blob_id", as: UUID.self) == nil {
            await self.store.staging.remove(try row.decode("id"))
        }
        // A staged file with no open upload behind it, untouched for an hour, is a leftover.
        var files = 0
        let candidates = try await self.store.staging.files(olderThan: .seconds(3600))
        if !candidates.isEmpty {
            let open = Set(
                try await self.store.database.query(
                    "SELECT id FROM uploads WHERE blob_id IS NULL AND id = ANY($1::uuid[])",
                    ["{" + candidates.map { $0.lowercasedText }.joined(separator: ",") + "}"]
                ).map { try $0.decode("id", as: UUID.self) })
            for id in candidates where !open.contains(id) {
                await self.store.staging.remove(id)
                files += 1
            }
        }
        blobs += try await self.store.removeDeferredObjects()
        return (blobs, uploads.count, files)
    }
}
