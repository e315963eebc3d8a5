import Foundation
import ImageSwissProtos
import RPC

/// Blobs read and written for a job's owner: Storage sees the owner as the caller, so a job can
/// only ever reach its owner's files.
struct StorageAccess: Sendable {
    let storage: RPCClient
    static let chunkSize = 1 << 20

    /// The owner's blobs among `ids` (any number: asked `blobsPerCall` at a time), by id; ids that
    /// name no blob of the owner are absent.
    func blobs(_ ids: [String], owner: String) async throws -> [String: StorageBlob] {
        var found: [String: StorageBlob] = [:]
        for chunk in ids.chunks(of: Self.blobsPerCall) {
            var request = StorageGetBlobsRequest()
            request.blobIds = Array(chunk)
            for blob in try await self.storage.unary(
                StorageMethods.getBlobs, request, options: Settlement.options(for: owner)
            ).blobs {
                found[blob.blobID] = blob
            }
        }
        return found
    }

    /// Below Storage's default STORAGE_MAX_BLOBS_PER_CALL (1000).
    static let blobsPerCall = 500

    /// The whole content and its metadata (inputs are at most Storage's upload limit).
    func read(_ id: String, owner: String) async throws -> (StorageBlob, Data) {
        var request = StorageReadBlobRequest()
        request.blobID = id
        var blob = StorageBlob()
        var data = Data()
        for try await chunk in try await self.storage.serverStreaming(
            StorageMethods.readBlob, request, options: Settlement.options(for: owner, timeout: .seconds(60)))
        {
            if chunk.hasBlob {
                blob = chunk.blob
                data.reserveCapacity(Int(blob.byteSize))
            }
            data.append(chunk.data)
        }
        return (blob, data)
    }

    /// Stores `data` as a new blob of `owner`: in one PutBlob call when it fits one chunk, else as a
    /// chunked upload. The key makes a retried write the same blob.
    func write(_ data: Data, owner: String, purpose: String, name: String, key: String) async throws -> StorageBlob {
        let options = Settlement.options(for: owner, timeout: .seconds(30))
        if data.count <= Self.chunkSize {
            var put = StoragePutBlobRequest()
            put.purpose = purpose
            put.displayName = name
            put.data = data
            put.idempotencyKey = key
            do {
                return try await self.storage.unary(StorageMethods.putBlob, put, options: options)
            } catch let error as RPCError where error.detail(CommonErrorInfo.self)?.reason == "invalid_data" {
                // Storage's chunks are smaller than ours (STORAGE_MAX_CHUNK_BYTES): upload in pieces.
            }
        }
        var begin = StorageBeginUploadRequest()
        begin.purpose = purpose
        begin.displayName = name
        begin.expectedSize = UInt64(data.count)
        begin.idempotencyKey = key
        var upload = try await self.storage.unary(StorageMethods.beginUpload, begin, options: options)
        var offset = Int(upload.received)
        let chunk = max(
            64 * 1024, min(Self.chunkSize, Int(upload.maxChunkSize == 0 ? UInt64(Self.chunkSize) : upload.maxChunkSize))
        )
        while offset < data.count && upload.blobID.isEmpty {
            var append = StorageAppendChunkRequest()
            append.uploadID = upload.uploadID
            append.offset = UInt64(offset)
            append.data = data.subdata(in: offset..<min(data.count, offset + chunk))
            upload = try await self.storage.unary(StorageMethods.appendChunk, append, options: options)
            offset = Int(upload.received)
        }
        var commit = StorageUploadRequest()
        commit.uploadID = upload.uploadID
        return try await self.storage.unary(StorageMethods.commitUpload, commit, options: options)
    }

    func delete(_ id: String, owner: String) async throws {
        var request = StorageBlobRequest()
        request.blobID = id
        _ = try await self.storage.unary(StorageMethods.deleteBlob, request, options: Settlement.options(for: owner))
    }

    /// The owner's blobs as one ZIP archive in memory (a personal model's training photos), at most
    /// `limit` bytes: Storage answers the archive's size first.
    func zip(_ ids: [String], owner: String, limit: Int) async throws -> Data {
        var request = StorageZipRequest()
        request.blobIds = ids
        let stream = try await self.storage.serverStreaming(
            StorageMethods.zip, request, options: Settlement.options(for: owner, timeout: .seconds(300)))
        var archive = Data()
        var first = true
        for try await chunk in stream {
            if first {
                guard chunk.totalSize <= UInt64(limit) else {
                    throw JobRunError.permanent("the training photos come to \(chunk.totalSize) bytes, over \(limit)")
                }
                archive.reserveCapacity(Int(chunk.totalSize))
                first = false
            }
            archive.append(contentsOf: chunk.data)
        }
        return archive
    }
}
