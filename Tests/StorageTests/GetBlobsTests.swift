import Foundation
import ImageSamples
import ImageSwissProtos
import RPC
import TestSupport
import Testing

/// GetBlobs, the many-ids read Jobs checks a batch's inputs with (and Storage's zips use): the
/// caller's blobs in the order asked, everything else left out, and a limit on the ids.
@Suite(.serialized) struct GetBlobsTests {
    @Test func answersOnlyTheCallersBlobsInTheOrderAsked() async throws {
        let stack = try await StorageStack.start(.local, ["STORAGE_MAX_BLOBS_PER_CALL": "5"])
        defer { Task { await stack.stop() } }
        let rpc = try stack.stack.rpcClient(for: "storage")
        defer { Task { await rpc.close() } }
        func options(_ owner: String) -> RPCCallOptions {
            RPCCallOptions(
                timeout: .seconds(10), metadata: [RPCMetadata.callerID: owner, RPCMetadata.callerRole: "service"])
        }
        func put(_ owner: String, width: Int) async throws -> StorageBlob {
            var request = StoragePutBlobRequest()
            request.purpose = "upload"
            request.displayName = "p\(width).jpg"
            request.data = Data(try Samples.jpeg(width: width, height: 16))
            return try await rpc.unary(StorageMethods.putBlob, request, options: options(owner))
        }
        func get(_ owner: String, _ ids: [String]) async throws -> [StorageBlob] {
            var request = StorageGetBlobsRequest()
            request.blobIds = ids
            return try await rpc.unary(StorageMethods.getBlobs, request, options: options(owner)).blobs
        }

        let alice = UUID().uuidString.lowercased()
        let bob = UUID().uuidString.lowercased()
        let first = try await put(alice, width: 16)
        let second = try await put(alice, width: 24)
        let bobs = try await put(bob, width: 32)

        let answer = try await get(
            alice, [second.blobID, "not-an-id", bobs.blobID, UUID().uuidString, first.blobID.uppercased()])
        #expect(answer.map(\.blobID) == [second.blobID, first.blobID])
        #expect(
            answer.map(\.width) == [24, 16]
                && answer.allSatisfy { $0.ownerID == alice && $0.contentType == "image/jpeg" })
        #expect(try await get(bob, [first.blobID, second.blobID]).isEmpty, "another owner's ids answer nothing")
        #expect(try await get(alice, []).isEmpty)
        do {
            _ = try await get(alice, Array(repeating: first.blobID, count: 6))
            Issue.record("six ids were accepted with STORAGE_MAX_BLOBS_PER_CALL=5")
        } catch let error as RPCError {
            #expect(error.code == .invalidArgument && error.detail(CommonErrorInfo.self)?.reason == "invalid_blob_ids")
        }
    }
}
