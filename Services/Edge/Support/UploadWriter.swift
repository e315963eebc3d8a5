import Foundation
import ImageSwissProtos
import NIOCore
import RPC

/// Writes one file into Storage as the HTTP body arrives: begin, appends of at most the upload's
/// chunk size, commit. The edge holds one chunk at a time, whatever the file's size; on any failure
/// the caller aborts, and Storage keeps nothing.
struct UploadWriter {
    let storage: RPCClient
    let options: RPCCallOptions
    /// The upload as Storage last described it (after the latest append).
    private(set) var upload: StorageUpload
    private var pending: [UInt8] = []
    private var offset: UInt64 = 0

    static func begin(storage: RPCClient, options: RPCCallOptions, purpose: String, name: String, expectedSize: UInt64?)
        async throws -> UploadWriter
    {
        var request = StorageBeginUploadRequest()
        request.purpose = purpose
        request.displayName = name
        request.expectedSize = expectedSize ?? 0
        let upload = try await storage.unary(StorageMethods.beginUpload, request, options: options)
        return UploadWriter(storage: storage, options: options, upload: upload)
    }

    /// Continues an upload from `offset` (a resumed PUT).
    init(storage: RPCClient, options: RPCCallOptions, upload: StorageUpload, offset: UInt64 = 0) {
        self.storage = storage
        self.options = options
        self.upload = upload
        self.offset = offset
        self.pending.reserveCapacity(Int(upload.maxChunkSize))
    }

    mutating func write(_ bytes: some Collection<UInt8>) async throws {
        var rest = bytes[...]
        let chunkSize = Int(self.upload.maxChunkSize)
        while !rest.isEmpty {
            let take = min(chunkSize - self.pending.count, rest.count)
            self.pending += rest.prefix(take)
            rest = rest.dropFirst(take)
            if self.pending.count == chunkSize { try await self.flush() }
        }
    }

    /// Sends what is pending; `upload` then says where the upload stands.
    mutating func flush() async throws {
        guard !self.pending.isEmpty else { return }
        var request = StorageAppendChunkRequest()
        request.uploadID = self.upload.uploadID
        request.offset = self.offset
        request.data = Data(self.pending)
        self.upload = try await self.storage.unary(StorageMethods.appendChunk, request, options: self.options)
        self.offset += UInt64(self.pending.count)
        self.pending.removeAll(keepingCapacity: true)
    }

    mutating func commit() async throws -> StorageBlob {
        try await self.flush()
        var request = StorageUploadRequest()
        request.uploadID = self.upload.uploadID
        return try await self.storage.unary(StorageMethods.commitUpload, request, options: self.options)
    }

    /// Best effort: an upload left behind expires anyway (STORAGE_UPLOAD_SESSION_TTL_S).
    func abort() async {
        var request = StorageUploadRequest()
        request.uploadID = self.upload.uploadID
        _ = try? await self.storage.unary(StorageMethods.abortUpload, request, options: self.options)
    }
}
