import Foundation
import ImageSwissProtos
import Postgres
import RPC
import ServiceRuntime

/// Blob metadata: read, list, expire and delete. Deleting the last blob of some content deletes
/// the object too.
extension BlobStore {
    /// The caller's blob; another owner's id is NOT_FOUND, exactly like an unknown one.
    func blob(_ id: UUID, owner: String, in session: (any PostgresQuerying)? = nil) async throws -> BlobRecord {
        guard let row = try await (session ?? self.database).query(StorageStatements.ownBlob, [id, owner]).first else {
            throw failure.notFound("blob")
        }
        return try BlobRecord(row)
    }

    /// GetBlobs: up to STORAGE_MAX_BLOBS_PER_CALL ids.
    func blobs(_ caller: RPCCaller, _ request: StorageGetBlobsRequest) async throws -> StorageGetBlobsResponse {
        guard request.blobIds.count <= self.configuration.maxBlobsPerCall else {
            throw failure.invalid("blob_ids", "at most \(self.configuration.maxBlobsPerCall) ids per call")
        }
        var response = StorageGetBlobsResponse()
        response.blobs = try await self.blobs(request.blobIds, owner: caller.id).map(\.message)
        return response
    }

    /// The caller's blobs among `ids`, in the order asked, in one query; an id that names no blob
    /// of the caller (malformed, unknown, another owner's) is left out.
    func blobs(_ ids: [String], owner: String) async throws -> [BlobRecord] {
        let parsed = ids.compactMap { UUID(text: $0) }
        guard !parsed.isEmpty else { return [] }
        let rows = try await self.database.query(
            StorageStatements.ownBlobs, [PostgresTextArray.literal(parsed.map(\.lowercasedText)), owner])
        let found = Dictionary(
            try rows.map {
                let record = try BlobRecord($0)
                return (record.id, record)
            }, uniquingKeysWith: { first, _ in first })
        return parsed.compactMap { found[$0] }
    }

    /// A blob by id alone, for a signed link (the signature stands for the owner).
    func blob(signed access: StorageSignedAccess, signer: DownloadSigner) async throws -> BlobRecord {
        try signer.verify(access)
        let id = try failure.parseID(access.blobID, "blob")
        guard
            let row = try await self.database.query("SELECT \(BlobRecord.columns) FROM blobs WHERE id = $1", [id]).first
        else {
            throw failure.notFound("blob")
        }
        return try BlobRecord(row)
    }

    static let maxPageSize = 200

    func list(_ caller: RPCCaller, _ request: StorageListBlobsRequest) async throws -> StorageListBlobsResponse {
        let pageSize = request.page.pageSize == 0 ? 50 : Int(request.page.pageSize)
        guard pageSize <= Self.maxPageSize else {
            throw failure.invalid("page_size", "at most \(Self.maxPageSize)")
        }
        // A team (the edge acting for a member) lists what its members shared with it.
        var conditions = [
            caller.accountKind == "team"
                ? "id IN (SELECT blob_id FROM blob_shares WHERE team_id = $1)" : "owner_id = $1"
        ]
        var parameters = PostgresParameters([caller.id])
        // Derivatives are listed only when asked for by purpose: they belong to their files.
        if request.purpose == "derivative" {
            conditions.append("purpose = 'result' AND \(BlobRecord.isDerivative)")
        } else {
            if !request.purpose.isEmpty { conditions.append("purpose = \(parameters.bind(request.purpose))") }
            conditions.append("NOT \(BlobRecord.isDerivative)")
        }
        if !request.contentTypePrefix.isEmpty {
            conditions.append("content_type LIKE \(parameters.bind(LikePattern.prefix(request.contentTypePrefix)))")
        }
        if request.hasCreatedAfter {
            conditions.append(
                "created_at > to_timestamp(\(parameters.bind(request.createdAfter.unixMicros))::double precision / 1e6)"
            )
        }
        if request.hasCreatedBefore {
            conditions.append(
                "created_at < to_timestamp(\(parameters.bind(request.createdBefore.unixMicros))::double precision / 1e6)"
            )
        }
        if !request.page.pageToken.isEmpty {
            guard let after = CreatedKeyset(token: request.page.pageToken) else {
                throw failure.invalid("page_token", "not a page token this service gave")
            }
            conditions.append(after.rowsAfter(&parameters))
        }
        let rows = try await self.database.query(
            """
            SELECT \(BlobRecord.columns) FROM blobs WHERE \(conditions.joined(separator: " AND "))
            ORDER BY (extract(epoch FROM created_at) * 1000000)::bigint DESC, id DESC LIMIT \(pageSize + 1)
            """, parameters.values)
        let records = try rows.prefix(pageSize).map(BlobRecord.init)
        var response = StorageListBlobsResponse()
        response.blobs = records.map(\.message)
        if rows.count > pageSize, let last = records.last {
            response.page.nextPageToken = CreatedKeyset(createdMicros: last.createdMicros, id: last.id).token
        }
        return response
    }

    func delete(_ caller: RPCCaller, _ blobID: String) async throws {
        try await self.remove(try failure.parseID(blobID, "blob"), owner: caller.id)
    }

    /// Deletes one blob row (and its shares with teams) and, when it was the last one naming its
    /// content, the object, in one transaction: if the object cannot be removed the row stays and
    /// the caller is told.
    func remove(_ id: UUID, owner: String) async throws {
        try await self.database.transaction { session in
            guard
                let row = try await session.query(
                    "SELECT sha256 FROM blobs WHERE id = $1 AND owner_id = $2 FOR UPDATE", [id, owner]
                ).first
            else {
                throw failure.notFound("blob")
            }
            let sha256: String = try row.decode("sha256")
            // Locked before the row goes: a concurrent store of this content waits for the check.
            _ = try await session.query(StorageStatements.lock, ["object:\(sha256)"])
            try await session.execute("DELETE FROM blobs WHERE id = $1", [id])
            try await session.execute("DELETE FROM blob_shares WHERE blob_id = $1", [id])
            try await session.execute("DELETE FROM derivatives WHERE blob_id = $1", [id])
            try await self.removeDerivatives(of: id, in: session)
            try await self.removeObjectIfUnnamed(sha256, in: session)
        }
    }

    func setExpiry(_ caller: RPCCaller, _ request: StorageSetExpiryRequest) async throws -> StorageBlob {
        let id = try failure.parseID(request.blobID, "blob")
        let micros: Int64? = request.hasExpiresAt ? request.expiresAt.unixMicros : nil
        let updated = try await self.database.execute(
            "UPDATE blobs SET expires_at = to_timestamp($3::double precision / 1e6) WHERE id = $1 AND owner_id = $2",
            [id, caller.id, micros]
        )
        guard updated == 1 else { throw failure.notFound("blob") }
        return try await self.blob(id, owner: caller.id).message
    }

    /// Every blob and upload of `owner` (account deletion). Safe to repeat.
    func purge(owner: String) async throws -> Int {
        var deleted = 0
        while true {
            let ids = try await self.database.query("SELECT id FROM blobs WHERE owner_id = $1 LIMIT 100", [owner]).map {
                try $0.decode("id", as: UUID.self)
            }
            if ids.isEmpty { break }
            for id in ids {
                do {
                    try await self.remove(id, owner: owner)
                    deleted += 1
                } catch let error as RPCError where error.code == .notFound {
                    continue  // deleted meanwhile
                }
            }
        }
        let uploads = try await self.database.query("DELETE FROM uploads WHERE owner_id = $1 RETURNING id", [owner])
        for row in uploads { await self.staging.remove(try row.decode("id")) }
        return deleted
    }

    func usage(_ caller: RPCCaller) async throws -> StorageUsage {
        let (bytes, count) = try await self.usage(of: caller.id)
        var usage = StorageUsage()
        usage.usedBytes = UInt64(bytes)
        usage.blobCount = UInt64(count)
        usage.quotaBytes = UInt64(self.configuration.quota(for: caller.tier))
        usage.tier = caller.tier
        return usage
    }
}
