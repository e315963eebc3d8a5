import Crypto
import Foundation
import Postgres

/// Chunks of uploads in progress kept in Storage's database (STORAGE_STAGING=database) instead of a
/// file on the replica that took the first chunk: any replica can take the next chunk or the commit.
/// Appends run in the caller's transaction, which holds the upload's row, so they stay in order.
struct SharedChunks: Sendable {
    let database: PostgresPool

    /// Bytes received so far.
    func size(_ upload: UUID, in session: any PostgresQuerying) async throws -> Int64 {
        try await session.query(
            "SELECT coalesce(sum(length(data)), 0)::bigint AS size FROM upload_chunks WHERE upload_id = $1", [upload]
        ).first?.decode("size", as: Int64.self) ?? 0
    }

    /// Stores `data` at `offset`, which must be the size received so far.
    func append(_ upload: UUID, offset: Int64, data: [UInt8], in session: any PostgresQuerying) async throws -> Int64 {
        let size = try await self.size(upload, in: session)
        guard size == offset else { throw StagingArea.OffsetMismatch(received: size) }
        try await session.execute(
            "INSERT INTO upload_chunks (upload_id, offset_bytes, data) VALUES ($1, $2, $3)", [upload, offset, data])
        return offset + Int64(data.count)
    }

    /// Writes the chunks in order to `path` (this replica's staging file, which the object store then
    /// takes as for a local upload), one chunk in memory at a time, digesting as it goes.
    func materialize(_ upload: UUID, at path: String, io: FileIO, in session: any PostgresQuerying) async throws
        -> StagingArea.Content
    {
        let offsets = try await session.query(
            "SELECT offset_bytes FROM upload_chunks WHERE upload_id = $1 ORDER BY offset_bytes", [upload]
        ).map { try $0.decode("offset_bytes", as: Int64.self) }
        // A descriptor is not Sendable: each trip to the file threads opens the file for itself.
        try await io.run { _ = try FileDescriptor(path: path, flags: O_WRONLY | O_CREAT | O_TRUNC) }
        var hasher = SHA256()
        var head: [UInt8] = []
        var size: Int64 = 0
        for offset in offsets {
            let chunk: [UInt8] =
                try await session.query(
                    "SELECT data FROM upload_chunks WHERE upload_id = $1 AND offset_bytes = $2", [upload, offset]
                ).first?.decode("data") ?? []
            let at = size
            try await io.run { try FileDescriptor(path: path, flags: O_WRONLY).write(chunk, at: at) }
            if head.count < StagingArea.headBytes { head += chunk.prefix(StagingArea.headBytes - head.count) }
            hasher.update(data: chunk)
            size += Int64(chunk.count)
        }
        try await io.run { try FileDescriptor(path: path, flags: O_WRONLY).sync() }
        return StagingArea.Content(sha256: StagingArea.hex(hasher.finalize()), size: size, head: head)
    }

    func remove(_ upload: UUID) async {
        _ = try? await self.database.execute("DELETE FROM upload_chunks WHERE upload_id = $1", [upload])
    }
}
