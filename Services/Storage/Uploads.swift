import CoreMetrics
import Foundation
import ImageSwissProtos
import Postgres
import RPC
import ServiceRuntime

/// Chunked, resumable uploads: begin → append… → commit (or abort). The staged file's size is how
/// much arrived; a caller that lost its connection asks GetUpload and continues from there.
extension BlobStore {
    func begin(_ caller: RPCCaller, _ request: StorageBeginUploadRequest) async throws -> StorageUpload {
        try Self.checkPurpose(request.purpose)
        let expected = Int64(clamping: request.expectedSize)
        if expected > self.configuration.maxUploadBytes { throw self.tooLarge(expected) }
        if expected > 0 {
            let used = try await self.usage(of: caller.id).bytes
            if used + expected > self.configuration.quota(for: caller.tier) {
                throw self.quotaExceeded(caller, used: used)
            }
        }
        let key = try Self.uploadKey(request.idempotencyKey)
        let id = UUID()
        if try await !self.insertUpload(
            self.database, id: id, caller: caller, purpose: request.purpose, displayName: request.displayName,
            expected: expected, lifetime: Int64(clamping: request.expiresInSeconds), key: key)
        {
            // A retry with the same key: the same upload, if it asked for the same thing.
            guard let key,
                let existing = try await self.upload(
                    keyed: key, caller: caller, purpose: request.purpose, expected: expected)
            else {
                throw failure.notFound("upload")
            }
            return try await self.status(caller, existing.id)
        }
        return try await self.status(caller, id)
    }

    private static func checkPurpose(_ purpose: String) throws {
        guard StorageConfiguration.purposes.contains(purpose) else {
            throw failure.invalid(
                "purpose", "purpose must be one of \(StorageConfiguration.purposes.joined(separator: ", "))")
        }
    }

    /// An upload's idempotency key: at most 200 bytes; nil without one.
    private static func uploadKey(_ key: String) throws -> String? {
        guard key.utf8.count <= 200 else { throw failure.invalid("idempotency_key", "at most 200 bytes") }
        return key.isEmpty ? nil : key
    }

    /// The upload row; false (and nothing written) when the caller already has one with this key.
    private func insertUpload(
        _ database: some PostgresQuerying, id: UUID, caller: RPCCaller, purpose: String, displayName: String,
        expected: Int64, lifetime: Int64, key: String?
    ) async throws -> Bool {
        try await !database.query(
            StorageStatements.insertUpload,
            [
                id, caller.id, purpose, DisplayName.clean(displayName), expected, lifetime, key,
                Int(self.configuration.uploadSessionLifetime.components.seconds),
            ]
        ).isEmpty
    }

    /// The upload the caller began with `key`, when it asked for the same purpose and size (another
    /// request under the key is idempotency_key_reused); nil when there is none.
    private func upload(keyed key: String, caller: RPCCaller, purpose: String, expected: Int64) async throws -> (
        id: UUID, blobID: UUID?
    )? {
        guard let row = try await self.database.query(StorageStatements.keyedUpload, [caller.id, key]).first else {
            return nil
        }
        guard try row.decode("purpose", as: String.self) == purpose,
            try row.decode("expected_size", as: Int64.self) == expected
        else {
            throw failure.error(
                .failedPrecondition, "idempotency_key_reused", "this idempotency key began a different upload")
        }
        return (try row.decode("id"), try row.decodeIfPresent("blob_id"))
    }

    func status(_ caller: RPCCaller, _ id: UUID) async throws -> StorageUpload {
        guard
            let row = try await self.database.query(
                """
                SELECT id, blob_id, (extract(epoch FROM expires_at) * 1000000)::bigint AS expires_us
                FROM uploads WHERE id = $1 AND owner_id = $2 AND expires_at > now()
                """, [id, caller.id]
            ).first
        else { throw failure.notFound("upload") }
        var upload = StorageUpload()
        upload.uploadID = id.lowercasedText
        upload.maxChunkSize = UInt64(self.configuration.maxChunkBytes)
        upload.maxSize = UInt64(self.configuration.maxUploadBytes)
        upload.expiresAt = .micros(try row.decode("expires_us"))
        if let blob = try row.decodeIfPresent("blob_id", as: UUID.self) {
            upload.blobID = blob.lowercasedText
        } else {
            upload.received = UInt64(try await self.staging.size(id, in: self.database))
        }
        return upload
    }

    /// Appends one chunk at `offset`. Too big for the size limit or the quota: the upload is
    /// removed (nothing stays behind) and the caller told why.
    func append(_ caller: RPCCaller, _ request: StorageAppendChunkRequest) async throws -> StorageUpload {
        let id = try failure.parseID(request.uploadID, "upload")
        guard request.data.count <= self.configuration.maxChunkBytes else {
            throw failure.invalid("data", "a chunk holds at most \(self.configuration.maxChunkBytes) bytes")
        }
        let refusal: RPCError? = try await self.database.transaction { session in
            guard
                let row = try await session.query(
                    "SELECT blob_id FROM uploads WHERE id = $1 AND owner_id = $2 AND expires_at > now() FOR UPDATE",
                    [id, caller.id]
                ).first
            else { throw failure.notFound("upload") }
            if try row.decodeIfPresent("blob_id", as: UUID.self) != nil {
                throw failure.error(
                    .failedPrecondition, "upload_committed", "this upload is committed; begin another")
            }
            let offset = Int64(clamping: request.offset)
            let end = offset + Int64(request.data.count)
            if end > self.configuration.maxUploadBytes {
                try await session.execute("DELETE FROM uploads WHERE id = $1", [id])
                return self.tooLarge(end)
            }
            let used = try await self.usage(of: caller.id, in: session).bytes
            if used + end > self.configuration.quota(for: caller.tier) {
                try await session.execute("DELETE FROM uploads WHERE id = $1", [id])
                return self.quotaExceeded(caller, used: used)
            }
            do {
                _ = try await self.mapped {
                    try await self.staging.append(id, offset: offset, data: Array(request.data), in: session)
                }
            } catch let mismatch as StagingArea.OffsetMismatch {
                throw failure.error(
                    .failedPrecondition, "offset_mismatch",
                    "this upload holds \(mismatch.received) bytes: send the chunk that starts there",
                    field: "offset"
                )
            }
            return nil
        }
        if let refusal {
            await self.staging.remove(id)
            throw refusal
        }
        return try await self.status(caller, id)
    }

    /// Turns the staged bytes into a blob: digest, type from the bytes, limits, then the object
    /// (shared with equal content) and the row, in one transaction. Committing again returns the blob.
    func commit(_ caller: RPCCaller, _ uploadID: String) async throws -> StorageBlob {
        let id = try failure.parseID(uploadID, "upload")
        let outcome: SealOutcome = try await self.database.transaction { session in
            guard
                let row = try await session.query(
                    """
                    SELECT purpose, display_name, expected_size, blob_lifetime_s, blob_id FROM uploads
                    WHERE id = $1 AND owner_id = $2 AND expires_at > now() FOR UPDATE
                    """, [id, caller.id]
                ).first
            else { throw failure.notFound("upload") }
            if let blobID = try row.decodeIfPresent("blob_id", as: UUID.self) {
                return .blob(try await self.blob(blobID, owner: caller.id, in: session).message)
            }
            let content = try await self.mapped { try await self.staging.seal(id, in: session) }
            return try await self.seal(
                session, caller, upload: id, content: content, purpose: try row.decode("purpose"),
                displayName: try row.decode("display_name"), expected: try row.decode("expected_size"),
                lifetime: try row.decode("blob_lifetime_s"))
        }
        // The staged bytes are an object now (or refused): the staging file goes either way.
        await self.staging.remove(id)
        return try outcome.get()
    }

    /// PutBlob: begin, one chunk and commit in one call and one transaction (the upload row stays as
    /// the record of the idempotency key). Larger files take the upload calls.
    func put(_ caller: RPCCaller, _ request: StoragePutBlobRequest) async throws -> StorageBlob {
        let derivative = try await self.derivativeSource(caller, request)
        if derivative == nil { try Self.checkPurpose(request.purpose) }
        guard
            request.data.count
                <= min(self.configuration.maxChunkBytes, Int(clamping: self.configuration.maxUploadBytes))
        else {
            throw failure.invalid(
                "data", "PutBlob takes at most \(self.configuration.maxChunkBytes) bytes; larger files take BeginUpload"
            )
        }
        guard !request.data.isEmpty else {
            throw failure.error(.invalidArgument, "empty_file", "the file is empty")
        }
        let key = try Self.uploadKey(request.idempotencyKey)
        if let key, let blob = try await self.replayedPut(caller, key: key, request) { return blob }
        let id = UUID()
        let size = Int64(request.data.count)
        let lifetime = Int64(clamping: request.expiresInSeconds)
        let outcome: SealOutcome?
        do {
            let content = try await self.mapped { try await self.staging.stage(id, data: Array(request.data)) }
            outcome = try await self.database.transaction { session in
                guard
                    try await self.insertUpload(
                        session, id: id, caller: caller, purpose: Self.storedPurpose(request.purpose),
                        displayName: request.displayName, expected: size, lifetime: lifetime, key: key)
                else { return nil }  // the same key, put concurrently
                let sealed = try await self.seal(
                    session, caller, upload: id, content: content, purpose: Self.storedPurpose(request.purpose),
                    displayName: DisplayName.clean(request.displayName), expected: size, lifetime: lifetime)
                guard let derivative, case .blob(let blob) = sealed else { return sealed }
                return .blob(try await self.markDerivative(blob, of: derivative, request.transform, in: session))
            }
        } catch {
            await self.staging.remove(id)
            throw error
        }
        await self.staging.remove(id)
        if let outcome { return try outcome.get() }
        guard let key, let blob = try await self.replayedPut(caller, key: key, request) else {
            throw failure.error(
                .aborted, "upload_in_progress", "an upload with this idempotency key is in progress")
        }
        return blob
    }

    /// The purpose the upload and blob rows record: a derivative's is "result", so that `uploads`
    /// and `blobs` keep the previous release's purpose checks — changing them during a rolling
    /// upgrade locked those tables against its commits (Storage migration 8); `derivatives` says
    /// which results are derivatives.
    static func storedPurpose(_ purpose: String) -> String { purpose == "derivative" ? "result" : purpose }

    /// The blob an earlier PutBlob (or upload) with this key made, when it asked for the same thing.
    private func replayedPut(_ caller: RPCCaller, key: String, _ request: StoragePutBlobRequest) async throws
        -> StorageBlob?
    {
        guard
            let existing = try await self.upload(
                keyed: key, caller: caller, purpose: Self.storedPurpose(request.purpose),
                expected: Int64(request.data.count))
        else { return nil }
        guard let blobID = existing.blobID else {
            throw failure.error(
                .aborted, "upload_in_progress", "an upload with this idempotency key is in progress")
        }
        return try await self.blob(blobID, owner: caller.id).message
    }

    /// What sealing staged bytes gave: a blob, or a refusal (its upload row removed).
    enum SealOutcome: Sendable {
        case blob(StorageBlob)
        case refused(RPCError)

        func get() throws -> StorageBlob {
            switch self {
            case .blob(let blob): return blob
            case .refused(let error): throw error
            }
        }
    }

    /// Inside the caller's transaction, with the upload's row written and its bytes staged and
    /// flushed (`content`): type from the bytes, the limits, then the object (shared with equal
    /// content) and the blob's row.
    private func seal(
        _ session: PostgresSession, _ caller: RPCCaller, upload id: UUID, content: StagingArea.Content, purpose: String,
        displayName: String, expected: Int64, lifetime requested: Int64
    ) async throws -> SealOutcome {
        if expected > 0 && content.size < expected {
            throw failure.error(
                .failedPrecondition, "upload_incomplete", "\(content.size) of \(expected) bytes arrived; send the rest")
        }
        func refuse(_ error: RPCError) async throws -> SealOutcome {
            try await session.execute("DELETE FROM uploads WHERE id = $1", [id])
            return .refused(error)
        }
        if content.size == 0 {
            return try await refuse(failure.error(.invalidArgument, "empty_file", "the file is empty"))
        }
        if content.size > self.configuration.maxUploadBytes { return try await refuse(self.tooLarge(content.size)) }
        if expected > 0 && content.size != expected {
            return try await refuse(
                failure.error(
                    .invalidArgument, "size_mismatch", "\(content.size) bytes arrived, \(expected) were announced"))
        }
        let sniffed = ContentSniffer.sniff(content.head)
        if purpose != "result" && !sniffed.isImage {
            return try await refuse(
                failure.error(
                    .invalidArgument, "unsupported_content",
                    "this is not an image ImageSwiss reads (\(sniffed.contentType))"
                ))
        }
        // The object lock keeps a concurrent delete of the last blob of this content from
        // removing the object between our store and our insert. The object is stored before the
        // owner's quota lock is taken: that lock serialises all of an owner's writes, and held
        // across the store's directory sync it kept one owner's results waiting on each other.
        _ = try await session.query(StorageStatements.lock, ["object:\(content.sha256)"])
        try await self.mapped {
            try await self.backend.store(
                stagedFile: self.staging.path(id), sha256: content.sha256, size: content.size,
                contentType: sniffed.contentType)
        }
        // Concurrent commits of one owner: the quota check and the insert happen one at a time,
        // under the owner's quota lock, in one call (SQL/functions/storage_seal.sql).
        let lifetime = requested > 0 ? requested : self.configuration.lifetimes[purpose].map { $0.components.seconds }
        let quota = self.configuration.quota(for: caller.tier)
        if let row = try await session.query(
            StorageStatements.seal,
            [
                id, UUID(), caller.id, purpose, sniffed.contentType, content.size, content.sha256, displayName,
                sniffed.width, sniffed.height, lifetime, quota,
            ]
        ).first {
            Counter(label: PlatformMetrics.filesStored, dimensions: [("purpose", purpose)]).increment()
            Counter(label: PlatformMetrics.bytesStored, dimensions: [("purpose", purpose)]).increment(by: content.size)
            return .blob(try BlobRecord(row).message)
        }
        // Refused after the store: an object no blob names is removed (its lock is still ours).
        let used = try await self.usage(of: caller.id, in: session).bytes
        if try await !self.isNamed(content.sha256, in: session) {
            try? await self.backend.remove(content.sha256)
        }
        return try await refuse(self.quotaExceeded(caller, used: used))
    }

    func abort(_ caller: RPCCaller, _ uploadID: String) async throws {
        let id = try failure.parseID(uploadID, "upload")
        let deleted = try await self.database.execute(
            "DELETE FROM uploads WHERE id = $1 AND owner_id = $2 AND blob_id IS NULL", [id, caller.id])
        guard deleted == 1 else { throw failure.notFound("upload") }
        await self.staging.remove(id)
    }

    func tooLarge(_ size: Int64) -> RPCError {
        failure.error(
            .resourceExhausted, "file_too_large",
            "files are limited to \(self.configuration.maxUploadBytes) bytes (this one: \(size) or more)")
    }

    func quotaExceeded(_ caller: RPCCaller, used: Int64) -> RPCError {
        failure.error(
            .resourceExhausted, "quota_exceeded",
            "this file does not fit in the \(self.configuration.quota(for: caller.tier)) bytes of the \(caller.tier) tier (\(used) used)"
        )
    }
}
