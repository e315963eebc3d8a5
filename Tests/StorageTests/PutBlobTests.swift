import Foundation
import ImageSamples
import ImageSwissProtos
import RPC
import TestSupport
import Testing

/// PutBlob, the one-call write Jobs uses for results: the same checks as an upload, the key replays
/// the blob, and a refusal leaves nothing behind.
@Suite(.serialized) struct PutBlobTests {
    @Test func oneCallStoresAFileOnceAndRefusesWhatAnUploadWould() async throws {
        let stack = try await StorageStack.start(
            .local, ["STORAGE_QUOTAS": "free=300000,plus=600000", "STORAGE_MAX_CHUNK_BYTES": "250000"])
        defer { Task { await stack.stop() } }
        let rpc = try stack.stack.rpcClient(for: "storage")
        defer { Task { await rpc.close() } }
        let owner = UUID().uuidString.lowercased()
        let options = RPCCallOptions(
            timeout: .seconds(10), metadata: [RPCMetadata.callerID: owner, RPCMetadata.callerRole: "service"])
        func put(_ bytes: [UInt8], key: String, purpose: String = "result") async throws -> StorageBlob {
            var request = StoragePutBlobRequest()
            request.purpose = purpose
            request.displayName = "out.jpg"
            request.data = Data(bytes)
            request.idempotencyKey = key
            return try await rpc.unary(StorageMethods.putBlob, request, options: options)
        }
        func reason(_ body: () async throws -> StorageBlob) async -> String? {
            do {
                _ = try await body()
                return nil
            } catch let error as RPCError { return error.detail(CommonErrorInfo.self)?.reason ?? "\(error.code)" } catch
            { return "\(error)" }
        }

        var jpeg = try Samples.jpeg(width: 32, height: 32)
        jpeg += [UInt8](repeating: 7, count: 160_000 - jpeg.count)
        let blob = try await put(jpeg, key: "job:1:output")
        #expect(
            blob.byteSize == 160_000 && blob.contentType == "image/jpeg" && blob.purpose == "result" && blob.width == 32
        )
        #expect(blob.sha256 == sha256Hex(jpeg), "digested from the bytes at hand, not read back")
        var read = StorageReadBlobRequest()
        read.blobID = blob.blobID
        var bytes: [UInt8] = []
        for try await chunk in try await rpc.serverStreaming(StorageMethods.readBlob, read, options: options) {
            bytes += chunk.data
        }
        #expect(bytes == jpeg)
        // The same key again: the same blob, nothing new. Another file under it: refused.
        #expect(try await put(jpeg, key: "job:1:output").blobID == blob.blobID)
        #expect(try await stack.count("SELECT count(*) FROM blobs") == 1)
        #expect(
            await reason { try await put(Array(jpeg.prefix(1000)), key: "job:1:output") } == "idempotency_key_reused")

        // What an upload refuses, PutBlob refuses, and nothing stays: no blob, no upload row, no staged file.
        #expect(await reason { try await put([], key: "empty") } == "empty_file")
        #expect(await reason { try await put(jpeg, key: "p", purpose: "elsewhere") } == "invalid_purpose")
        #expect(
            await reason { try await put(Array("<html><script>".utf8), key: "html", purpose: "upload") }
                == "unsupported_content")
        #expect(await reason { try await put([UInt8](repeating: 1, count: 250_001), key: "big") } == "invalid_data")
        var second = jpeg
        second[second.count - 1] = 8
        #expect(await reason { try await put(second, key: "job:2:output") } == "quota_exceeded")
        try await HostileUploadTests.expectNothingLeft(stack, blobs: 1)
        // The refused content was stored before the quota check (outside the owner's lock) and removed.
        #expect(try await stack.objectExists(sha256: sha256Hex(jpeg)))
        #expect(try await !stack.objectExists(sha256: sha256Hex(second)))
        #expect(try await stack.count("SELECT count(*) FROM uploads") == 1, "the one upload row that records the key")
        #expect(try await stack.count("SELECT bytes FROM owner_usage WHERE owner_id = '\(owner)'") == 160_000)
    }

    /// One owner's writes at once, more than the quota holds: exactly those that fit are stored.
    /// The quota check reads the usage the earlier writes committed (under the owner's lock).
    @Test func concurrentWritesNeverPassTheQuota() async throws {
        let stack = try await StorageStack.start(.local, ["STORAGE_QUOTAS": "free=100000,plus=600000"])
        defer { Task { await stack.stop() } }
        let rpc = try stack.stack.rpcClient(for: "storage")
        defer { Task { await rpc.close() } }
        let owner = UUID().uuidString.lowercased()
        let options = RPCCallOptions(
            timeout: .seconds(20), metadata: [RPCMetadata.callerID: owner, RPCMetadata.callerRole: "service"])
        let jpeg = try Samples.jpeg(width: 32, height: 32)
        let outcomes = try await withThrowingTaskGroup(of: String.self) { group in
            for index in 0..<40 {
                group.addTask {
                    var request = StoragePutBlobRequest()
                    request.purpose = "result"
                    request.displayName = "out-\(index).jpg"
                    // Distinct content of 10,000 bytes each: ten fit in 100,000.
                    request.data = Data(jpeg + [UInt8](repeating: UInt8(index), count: 10_000 - jpeg.count))
                    request.idempotencyKey = "job:\(index):output"
                    do {
                        _ = try await rpc.unary(StorageMethods.putBlob, request, options: options)
                        return "stored"
                    } catch let error as RPCError {
                        return error.detail(CommonErrorInfo.self)?.reason ?? "\(error.code)"
                    }
                }
            }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(
            outcomes.filter { $0 == "stored" }.count == 10 && outcomes.filter { $0 == "quota_exceeded" }.count == 30,
            "\(outcomes)")
        #expect(try await stack.count("SELECT count(*) FROM blobs") == 10)
        #expect(try await stack.count("SELECT bytes FROM owner_usage WHERE owner_id = '\(owner)'") == 100_000)
    }
}
