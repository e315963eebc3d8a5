import Foundation
import HTTPTypes
import Hummingbird
import ImageSwissProtos
import Operations
import RPC

/// GET /t/{signature}/{options}/{file_id}[.{ext}]: URL transformations. No credentials: the
/// signature, made with one of the file owner's keys, stands for the owner. The options are checked
/// here before any call; Storage checks the signature and finds the derivative; the first request
/// of a derivative has Jobs compute, store and charge it (once); every later one is served from
/// Storage as an immutable, publicly cacheable answer. Not rate limited, like static files: only
/// links the owner signed can be asked for, and each is computed and charged once.
struct TransformRoutes {
    let storage: RPCClient
    let jobs: RPCClient
    let limits: TransformLimits
    let cache: TransformCache

    /// EDGE_TRANSFORM_MAX_SIDE (2048 px) and EDGE_TRANSFORM_MAX_PATH_BYTES (512).
    struct TransformLimits: Sendable {
        var maxSide = TransformOptions.defaultMaxSide
        var maxPathBytes = 512
    }

    static let route = "/t/:signature/**"

    func add(to router: Router<EdgeRequestContext>) {
        router.get(RouterPath(Self.route), use: self.serve)
        router.head(RouterPath(Self.route), use: self.serve)
    }

    /// A link's parts: the signature, the option segments, the file id and extension, and the path
    /// the signature covers.
    struct Link {
        let signature: String
        let options: [Substring]
        let fileID: Substring
        let fileExtension: Substring?
        let signedPath: String

        init(_ path: String, limits: TransformLimits) throws {
            guard path.utf8.count <= limits.maxPathBytes else {
                throw EdgeError(
                    .badRequest, "link_too_long", "transformation links are at most \(limits.maxPathBytes) bytes")
            }
            let segments = path.split(separator: "/", omittingEmptySubsequences: false)
            // "", "t", signature, option…, file
            guard segments.count >= 5, segments[0].isEmpty, segments[1] == "t", !segments[2].isEmpty,
                segments.dropFirst(3).allSatisfy({ !$0.isEmpty })
            else {
                throw EdgeError(
                    .badRequest, "invalid_link", "a transformation link is /t/{signature}/{options}/{file_id}")
            }
            self.signature = String(segments[2])
            self.options = Array(segments[3..<(segments.count - 1)])
            let file = segments[segments.count - 1]
            if let dot = file.lastIndex(of: ".") {
                self.fileID = file[..<dot]
                self.fileExtension = file[file.index(after: dot)...]
            } else {
                self.fileID = file
                self.fileExtension = nil
            }
            self.signedPath = String(path.dropFirst(3 + segments[2].count))
        }
    }

    @Sendable func serve(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let accept = request.headers[.accept] ?? ""
        let key = TransformCache.key(path: request.uri.path, accept: accept)
        let link = try Link(request.uri.path, limits: self.limits)
        do {
            _ = try TransformOptions.parse(link.options, extension: link.fileExtension, maxSide: self.limits.maxSide)
        } catch {
            throw EdgeError(.badRequest, "invalid_options", error.description, field: "options")
        }
        var resolve = StorageResolveTransformRequest()
        resolve.fileID = String(link.fileID)
        resolve.signedPath = link.signedPath
        resolve.signature = link.signature
        resolve.options = link.options.map(String.init)
        resolve.extension = link.fileExtension.map(String.init) ?? ""
        resolve.accept = accept
        resolve.maxSide = UInt32(self.limits.maxSide)
        let resolved = try await self.storage.unary(
            StorageMethods.resolveTransform, resolve, options: EdgeCalls.options(context))
        let owner = EdgeCalls.asService(for: resolved.ownerID, context: context)
        let (derivative, bytes): (StorageBlob, Data)
        if resolved.hasDerivative {
            derivative = resolved.derivative
            bytes =
                resolved.data.count == Int(derivative.byteSize)
                ? resolved.data : try await self.read(derivative, options: owner)
        } else {
            var compute = JobsTransformRequest()
            compute.fileID = resolved.source.blobID
            compute.transform = resolved.transform
            compute.maxSide = UInt32(self.limits.maxSide)
            var options = owner
            options.timeout = .seconds(90)
            let made = try await self.jobs.unary(JobsMethods.transform, compute, options: options)
            (derivative, bytes) = (made.derivative, made.data)
        }
        let entry = TransformCache.Entry(
            body: ByteBuffer(bytes: bytes), contentType: derivative.contentType, etag: "\"\(derivative.sha256)\"",
            varyAccept: resolved.varyAccept)
        self.cache.store(entry, for: key)
        return Self.answer(request, entry)
    }

    /// A derivative larger than one read chunk, read whole as its owner (they are bounded by
    /// STORAGE_MAX_CHUNK_BYTES when made).
    private func read(_ blob: StorageBlob, options: RPCCallOptions) async throws -> Data {
        var call = StorageReadBlobRequest()
        call.blobID = blob.blobID
        var data = Data()
        for try await chunk in try await self.storage.serverStreaming(StorageMethods.readBlob, call, options: options) {
            data.append(chunk.data)
        }
        return data
    }

    /// Immutable: the link names the file and the options, and the bytes for them never change.
    static func answer(_ request: Request, _ entry: TransformCache.Entry) -> Response {
        if let match = request.headers[.ifNoneMatch],
            match.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == entry.etag })
        {
            var headers = entry.headers
            headers[.contentLength] = nil
            return Response(status: .notModified, headers: headers)
        }
        if request.method == .head { return Response(status: .ok, headers: entry.headers) }
        return Response(status: .ok, headers: entry.headers, body: .init(byteBuffer: entry.body))
    }
}
