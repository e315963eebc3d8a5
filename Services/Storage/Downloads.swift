import Foundation
import ImageSwissProtos
import Postgres
import RPC
import ServiceRuntime

/// Reading blobs: streamed in bounded chunks, by owner or by a signed link, whole or a byte range.
extension BlobStore {
    func signDownload(_ caller: RPCCaller, _ request: StorageSignDownloadRequest, signer: DownloadSigner) async throws
        -> StorageSignedAccess
    {
        let record = try await self.blob(try failure.parseID(request.blobID, "blob"), owner: caller.id)
        let disposition = request.disposition.isEmpty ? "attachment" : request.disposition
        guard disposition == "attachment" || disposition == "inline" else {
            throw failure.invalid("disposition", "disposition must be attachment or inline")
        }
        // Inline display only for the raster types browsers show as images (never SVG, HTML or PDF).
        if disposition == "inline"
            && !["image/jpeg", "image/png", "image/gif", "image/webp", "image/avif"].contains(record.contentType)
        {
            throw failure.invalid("disposition", "only JPEG, PNG, GIF, WebP and AVIF blobs may be shown inline")
        }
        let ttl =
            request.ttlSeconds == 0
            ? self.configuration.signedLinkDefaultTTL.components.seconds : Int64(clamping: request.ttlSeconds)
        guard ttl <= self.configuration.signedLinkMaxTTL.components.seconds else {
            throw failure.invalid(
                "ttl_seconds", "links live at most \(self.configuration.signedLinkMaxTTL.components.seconds) seconds")
        }
        return signer.sign(
            blobID: record.id.lowercasedText, expiresUnix: Int64(Date().timeIntervalSince1970) + ttl,
            disposition: disposition)
    }

    /// The blob a read names: the caller's own, one shared with the team the caller acts as, or any
    /// blob through a valid signed link.
    func readable(_ caller: RPCCaller?, blobID: String, signed: StorageSignedAccess?, signer: DownloadSigner)
        async throws -> BlobRecord
    {
        if let signed {
            guard signed.blobID.lowercased() == blobID.lowercased() else {
                throw failure.error(.permissionDenied, "invalid_signature", "this download link is not valid")
            }
            return try await self.blob(signed: signed, signer: signer)
        }
        guard let caller else { throw RPCError(.unauthenticated, "this call needs a caller or a signed link") }
        if caller.accountKind == "team" {
            return try await self.sharedBlob(try failure.parseID(blobID, "blob"), team: caller.id)
        }
        return try await self.blob(try failure.parseID(blobID, "blob"), owner: caller.id)
    }

    /// Sends the blob's metadata, then its bytes from `offset` in chunks of at most
    /// STORAGE_READ_CHUNK_BYTES; each send waits for the client, so memory stays bounded.
    func read(_ record: BlobRecord, offset: UInt64, length: UInt64, send: (StorageReadChunk) async throws -> Void)
        async throws
    {
        let size = UInt64(record.byteSize)
        guard offset < size else {
            throw failure.error(.outOfRange, "range_not_satisfiable", "the blob has \(size) bytes")
        }
        let end = length == 0 ? size : min(size, offset + length)
        var first = StorageReadChunk()
        first.blob = record.message
        try await send(first)
        var position = offset
        while position < end {
            try Task.checkCancellation()
            let count = Int(min(UInt64(self.configuration.readChunkBytes), end - position))
            let bytes = try await self.mapped {
                try await self.backend.read(record.sha256, offset: Int64(position), length: count)
            }
            guard bytes.count == count else {
                self.logger.error("object shorter than its blob row", metadata: ["sha256": "\(record.sha256)"])
                throw failure.backendUnavailable("object truncated")
            }
            var chunk = StorageReadChunk()
            chunk.data = Data(bytes)
            try await send(chunk)
            position += UInt64(count)
        }
    }
}
