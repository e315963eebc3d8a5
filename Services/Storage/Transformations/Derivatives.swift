import Foundation
import ImageSwissProtos
import Postgres
import RPC
import ServiceRuntime

/// Derivatives: blobs a URL transformation made from one of the owner's files (purpose
/// "derivative"), one per file and canonical transformation, never listed with the owner's files
/// and removed with the file they came from.
extension BlobStore {
    /// For a PutBlob of a derivative, the source file (the caller's, itself no derivative) after the
    /// per-file limit; nil for any other PutBlob.
    func derivativeSource(_ caller: RPCCaller, _ request: StoragePutBlobRequest) async throws -> UUID? {
        guard request.purpose == "derivative" || !request.derivedFrom.isEmpty else { return nil }
        guard request.purpose == "derivative", !request.derivedFrom.isEmpty else {
            throw failure.invalid("derived_from", "a derivative names its source, and only a derivative does")
        }
        guard !request.transform.isEmpty, request.transform.utf8.count <= 512 else {
            throw failure.invalid("transform", "a derivative's transformation is 1 to 512 bytes")
        }
        let source = try failure.parseID(request.derivedFrom, "blob")
        guard
            let row = try await self.database.query(
                """
                SELECT (SELECT count(*) FROM derivatives d WHERE d.source_id = blobs.id) AS derivatives
                FROM blobs WHERE id = $1 AND owner_id = $2 AND NOT \(BlobRecord.isDerivative)
                """, [source, caller.id]
            ).first
        else { throw failure.notFound("blob") }
        let count: Int = try row.decode("derivatives")
        guard count < self.configuration.maxDerivativesPerFile else {
            throw failure.error(
                .resourceExhausted, "too_many_derivatives",
                "a file has at most \(self.configuration.maxDerivativesPerFile) transformations (STORAGE_MAX_DERIVATIVES_PER_FILE)"
            )
        }
        return source
    }

    /// Inside the put's transaction: the new blob becomes the derivative of `source`.
    func markDerivative(_ blob: StorageBlob, of source: UUID, _ transform: String, in session: PostgresSession)
        async throws -> StorageBlob
    {
        let id = try failure.parseID(blob.blobID, "blob")
        try await session.execute(
            "INSERT INTO derivatives (blob_id, source_id, transform) VALUES ($1, $2, $3)", [id, source, transform])
        guard let row = try await session.query("SELECT \(BlobRecord.columns) FROM blobs WHERE id = $1", [id]).first
        else { throw RPCError(.internal, "the derivative's row vanished") }
        return try BlobRecord(row).message
    }

    /// Inside a removal's transaction: the derivatives of `source`, rows and (unnamed) objects.
    func removeDerivatives(of source: UUID, in session: PostgresSession) async throws {
        let removed = try await session.query(
            """
            WITH gone AS (DELETE FROM derivatives WHERE source_id = $1 RETURNING blob_id)
            DELETE FROM blobs WHERE id IN (SELECT blob_id FROM gone) RETURNING sha256
            """, [source])
        for sha256 in Set(try removed.map { try $0.decode("sha256", as: String.self) }) {
            try await self.removeObjectIfUnnamed(sha256, in: session)
        }
    }
}
