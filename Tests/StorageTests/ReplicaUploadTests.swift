import Foundation
import ImageSamples
import ImageSwissProtos
import RPC
import TestSupport
import Testing

/// Two Storage replicas on separate disks behind one address (objects in S3, chunks staged in the
/// database): an upload's chunks may reach either replica in turn, and its commit and download too.
@Suite(.serialized) struct ReplicaUploadTests {
    @Test func chunksMayArriveAtEitherReplica() async throws {
        let stack = try await StorageStack.start(
            .s3, ["STORAGE_STAGING": "database", "STORAGE_MAX_CHUNK_BYTES": "100000"])
        defer { Task { await stack.stop() } }
        let otherDisk = stack.dataDirectory + "-replica-2"
        let secondPort = try freePort()
        try await stack.stack.spawn(
            "storage-2", as: "storage",
            environment: ["STORAGE_DATA_DIR": otherDisk, "STORAGE_RPC_PORT": "\(secondPort)"])
        var configuration = RPCClientConfiguration()
        configuration.identity = try RPCIdentity(service: "edge", keys: [stack.stack.identityKey])
        let first = try stack.stack.rpcClient(for: "storage")
        let second = RPCClient(
            endpoints: [RPCEndpoint(host: "127.0.0.1", port: secondPort)], configuration: configuration)
        defer {
            Task {
                await first.close()
                await second.close()
            }
        }
        let options = RPCCallOptions(metadata: [RPCMetadata.callerID: UUID().uuidString.lowercased()])

        var picture = try Samples.jpeg(width: 64, height: 48)
        picture += [UInt8](repeating: 9, count: 250_000 - picture.count)
        var begin = StorageBeginUploadRequest()
        begin.purpose = "upload"
        begin.displayName = "print.jpg"
        begin.expectedSize = UInt64(picture.count)
        let upload = try await first.unary(StorageMethods.beginUpload, begin, options: options)
        // Chunks alternate between the replicas, as a round robin over two addresses sends them.
        for (index, offset) in stride(from: 0, to: picture.count, by: 100_000).enumerated() {
            var append = StorageAppendChunkRequest()
            append.uploadID = upload.uploadID
            append.offset = UInt64(offset)
            append.data = Data(picture[offset..<min(picture.count, offset + 100_000)])
            let replica = index.isMultiple(of: 2) ? second : first
            let status = try await replica.unary(StorageMethods.appendChunk, append, options: options)
            #expect(status.received == UInt64(min(picture.count, offset + 100_000)))
        }
        // A chunk at a stale offset is refused whichever replica takes it.
        var stale = StorageAppendChunkRequest()
        stale.uploadID = upload.uploadID
        stale.offset = 100_000
        stale.data = Data([1, 2, 3])
        await #expect(throws: RPCError.self) {
            _ = try await first.unary(StorageMethods.appendChunk, stale, options: options)
        }
        var commit = StorageUploadRequest()
        commit.uploadID = upload.uploadID
        let blob = try await second.unary(StorageMethods.commitUpload, commit, options: options)
        #expect(blob.byteSize == UInt64(picture.count) && blob.contentType == "image/jpeg")

        var read = StorageReadBlobRequest()
        read.blobID = blob.blobID
        var bytes: [UInt8] = []
        for try await chunk in try await first.serverStreaming(StorageMethods.readBlob, read, options: options) {
            bytes += chunk.data
        }
        #expect(bytes == picture)
        // Nothing staged is left: no chunk rows, no files on either disk.
        #expect(try await stack.count("SELECT count(*) FROM upload_chunks") == 0)
        let leftovers =
            stack.stagedFiles()
            + ((try? FileManager.default.contentsOfDirectory(atPath: otherDisk + "/staging")) ?? [])
        #expect(leftovers.isEmpty, "\(leftovers)")
    }
}
