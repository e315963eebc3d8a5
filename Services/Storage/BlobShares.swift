import Foundation
import ImageSwissProtos
import Postgres
import RPC
import ServiceRuntime

/// Files shared with a team: the owner shares (or stops sharing) one of their blobs; the team's
/// members read it through the team (the edge acts as the team after Auth confirmed the
/// membership). The blob stays the owner's: only reads follow a share.
extension BlobStore {
    func share(_ caller: RPCCaller, _ request: StorageShareBlobRequest) async throws -> StorageBlob {
        guard caller.accountKind != "team" else {
            throw failure.error(.permissionDenied, "owner_only", "only a file's owner shares it")
        }
        if request.blobID.isEmpty && !request.shared {
            try await self.database.execute(
                "DELETE FROM blob_shares WHERE shared_by = $1 AND team_id = $2",
                [caller.id, request.teamID.lowercased()])
            return StorageBlob()
        }
        // The file first, then the team: any id that is not right is "not found", as everywhere.
        let id = try failure.parseID(request.blobID, "blob")
        guard UUID(text: request.teamID) != nil else { throw failure.notFound("team") }
        let record = try await self.blob(id, owner: caller.id)
        if request.shared {
            try await self.database.execute(
                """
                INSERT INTO blob_shares (blob_id, team_id, shared_by) VALUES ($1, $2, $3)
                ON CONFLICT (blob_id, team_id) DO NOTHING
                """, [id, request.teamID.lowercased(), caller.id])
        } else {
            try await self.database.execute(
                "DELETE FROM blob_shares WHERE blob_id = $1 AND team_id = $2", [id, request.teamID.lowercased()])
        }
        return record.message
    }

    /// A blob shared with `team`; any other is NOT_FOUND.
    func sharedBlob(_ id: UUID, team: String) async throws -> BlobRecord {
        guard
            let row = try await self.database.query(
                """
                SELECT \(BlobRecord.columns) FROM blobs
                WHERE id = $1 AND EXISTS (SELECT 1 FROM blob_shares s WHERE s.blob_id = blobs.id AND s.team_id = $2)
                """, [id, team]
            ).first
        else { throw failure.notFound("blob") }
        return try BlobRecord(row)
    }
}
