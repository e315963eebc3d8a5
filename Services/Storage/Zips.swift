import Foundation
import ImageSwissProtos
import Postgres
import ServiceRuntime

/// ZIP archives of many blobs, streamed: entries are stored (images are compressed already), each
/// followed by a data descriptor with its CRC, so nothing is held in memory but one chunk. The
/// archive's exact size is known before the first byte and sent first (the edge's Content-Length).
extension BlobStore {
    func zip(_ caller: RPCCaller, _ request: StorageZipRequest, send: (StorageZipChunk) async throws -> Void)
        async throws
    {
        guard !request.blobIds.isEmpty else { throw failure.invalid("blob_ids", "name at least one blob") }
        guard request.blobIds.count <= self.configuration.zipMaxEntries else {
            throw failure.invalid("blob_ids", "at most \(self.configuration.zipMaxEntries) blobs per archive")
        }
        var seen: Set<UUID> = []
        let unique = try request.blobIds.filter { seen.insert(try failure.parseID($0, "blob")).inserted }
        let records = try await self.blobs(unique, owner: caller.id)
        guard records.count == unique.count else { throw failure.notFound("blob") }
        let names = DisplayName.archiveNames(records.map { ($0.id.lowercasedText, $0.displayName, $0.contentType) })
        let layout = ZipLayout(
            entries: Swift.zip(records, names).map {
                ZipLayout.Entry(name: $1, size: $0.byteSize, modified: $0.createdMicros)
            })
        guard layout.totalSize <= self.configuration.zipMaxBytes else {
            throw failure.error(
                .resourceExhausted, "archive_too_large",
                "archives are limited to \(self.configuration.zipMaxBytes) bytes")
        }
        var header = StorageZipChunk()
        header.totalSize = UInt64(layout.totalSize)
        try await send(header)
        var crcs: [UInt32] = []
        for (index, record) in records.enumerated() {
            try await send(.bytes(layout.localHeader(index)))
            var crc = Crc32()
            var position: Int64 = 0
            while position < record.byteSize {
                try Task.checkCancellation()
                let count = Int(min(Int64(self.configuration.readChunkBytes), record.byteSize - position))
                let bytes = try await self.mapped {
                    try await self.backend.read(record.sha256, offset: position, length: count)
                }
                guard bytes.count == count else { throw failure.backendUnavailable("object truncated") }
                crc.update(bytes)
                try await send(.bytes(bytes))
                position += Int64(count)
            }
            crcs.append(crc.value)
            try await send(.bytes(layout.dataDescriptor(index, crc: crc.value)))
        }
        try await send(.bytes(layout.centralDirectory(crcs: crcs)))
    }
}

extension StorageZipChunk {
    static func bytes(_ bytes: [UInt8]) -> StorageZipChunk {
        var chunk = StorageZipChunk()
        chunk.data = Data(bytes)
        return chunk
    }
}
