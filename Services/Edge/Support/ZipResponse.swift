import HTTPTypes
import Hummingbird
import ImageSwissProtos
import RPC

/// A zip of the caller's files, streamed from Storage: /api/v1/files/zip and a batch's results.
enum ZipResponse {
    static func stream(_ storage: RPCClient, ids: [String], name: String, options: RPCCallOptions) async throws
        -> Response
    {
        var call = StorageZipRequest()
        call.blobIds = ids
        var options = options
        options.timeout = BlobResponse.streamTimeout
        let stream = try await storage.serverStreaming(StorageMethods.zip, call, options: options)
        // The first message is the archive's size: errors (unknown ids, limits) arrive before any byte is sent.
        let iterator = StreamCursor(stream.makeAsyncIterator())
        guard let first = try await iterator.next() else {
            throw EdgeError(.badGateway, "storage_failed", "storage sent no archive")
        }
        let headers: HTTPFields = [
            .contentType: "application/zip",
            .contentDisposition: BlobResponse.contentDisposition(
                "attachment", name: name, id: "", contentType: "application/zip"),
            .xContentTypeOptions: "nosniff",
            .cacheControl: "private, no-store",
        ]
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody(contentLength: Int(first.totalSize)) { writer in
                while let chunk = try await iterator.next() {
                    if !chunk.data.isEmpty { try await writer.write(ByteBuffer(bytes: chunk.data)) }
                }
                try await writer.finish(nil)
            })
    }
}
