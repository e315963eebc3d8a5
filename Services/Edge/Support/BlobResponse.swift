import Foundation
import HTTPTypes
import Hummingbird
import ImageSwissProtos
import RPC

/// Serves one blob's bytes over HTTP: exact Content-Type, Content-Disposition, nosniff, ETag
/// (the SHA-256) with If-None-Match, one byte range, HEAD, and the body streamed from Storage chunk
/// by chunk (a slow client slows Storage down instead of filling the edge's memory).
struct BlobResponse {
    let storage: RPCClient

    /// Downloads may take long on slow links; the call ends at this deadline at the latest.
    static let streamTimeout: Duration = .seconds(3600)

    func respond(
        _ request: Request, blob: StorageBlob, disposition: String, options: RPCCallOptions,
        signed: StorageSignedAccess? = nil
    ) async throws -> Response {
        let etag = "\"\(blob.sha256)\""
        var headers: HTTPFields = [
            .contentType: blob.contentType,
            .contentDisposition: Self.contentDisposition(
                disposition, name: blob.displayName, id: blob.blobID, contentType: blob.contentType),
            .eTag: etag,
            .acceptRanges: "bytes",
            .cacheControl: "private, no-cache",
        ]
        headers[.xContentTypeOptions] = "nosniff"
        // Whatever the bytes are, a browser opening them directly runs nothing.
        headers[.contentSecurityPolicy] = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
        if let match = request.headers[.ifNoneMatch],
            match.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == etag || $0 == "*" }
            )
        {
            return Response(status: .notModified, headers: headers)
        }
        var status = HTTPResponse.Status.ok
        var range = HTTPRange(offset: 0, length: blob.byteSize)
        // If-Range with another ETag: the content changed, send it whole.
        let rangeApplies = request.headers[.ifRange].map { $0 == etag } ?? true
        switch HTTPRange.parse(rangeApplies ? request.headers[.range] : nil, size: blob.byteSize) {
        case .whole:
            break
        case .partial(let partial):
            range = partial
            status = .partialContent
            headers[.contentRange] = "bytes \(partial.offset)-\(partial.offset + partial.length - 1)/\(blob.byteSize)"
        case .unsatisfiable:
            headers[.contentRange] = "bytes */\(blob.byteSize)"
            headers[.contentType] = "application/json; charset=utf-8"
            let body = #"{"error":{"code":"range_not_satisfiable","message":"the range is outside the file"}}"#
            return Response(
                status: .rangeNotSatisfiable, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        headers[.contentLength] = "\(range.length)"
        if request.method == .head { return Response(status: status, headers: headers) }

        var read = StorageReadBlobRequest()
        read.blobID = blob.blobID
        read.offset = range.offset
        read.length = range.length
        if let signed { read.signed = signed }
        var streamOptions = options
        streamOptions.timeout = Self.streamTimeout
        let stream = try await self.storage.serverStreaming(StorageMethods.readBlob, read, options: streamOptions)
        // The metadata and the first bytes are read before the status is sent: a store that fails
        // at once is a clean 503, not a 200 cut short.
        let cursor = StreamCursor(stream.makeAsyncIterator())
        _ = try await cursor.next()
        let first = try await cursor.next()
        return Response(
            status: status, headers: headers,
            body: ResponseBody(contentLength: Int(range.length)) { writer in
                if let first, !first.data.isEmpty { try await writer.write(ByteBuffer(bytes: first.data)) }
                while let chunk = try await cursor.next() {
                    if !chunk.data.isEmpty { try await writer.write(ByteBuffer(bytes: chunk.data)) }
                }
                try await writer.finish(nil)
            })
    }

    /// `attachment; filename="plain ASCII"; filename*=UTF-8''percent-encoded` (RFC 6266): the
    /// display name never reaches a header unescaped.
    static func contentDisposition(_ disposition: String, name: String, id: String, contentType: String) -> String {
        let fallbackName = name.isEmpty ? "file-\(id.prefix(8))" : name
        let ascii = String(
            fallbackName.unicodeScalars.map { scalar -> Character in
                scalar.isASCII && scalar.value >= 0x20 && scalar.value != 0x7F && scalar != "\"" && scalar != "\\"
                    && scalar != ";" ? Character(scalar) : "_"
            })
        var allowed = CharacterSet.alphanumerics.intersection(
            CharacterSet(charactersIn: Unicode.Scalar(0)...Unicode.Scalar(127)))
        allowed.insert(charactersIn: "!#$&+-.^_`|~")
        let encoded = fallbackName.addingPercentEncoding(withAllowedCharacters: allowed) ?? ascii
        return
            "\(disposition == "inline" ? "inline" : "attachment"); filename=\"\(ascii)\"; filename*=UTF-8''\(encoded)"
    }
}
