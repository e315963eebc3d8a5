import Curl
import Foundation

/// What an S3-compatible store needs to be reached: its endpoint, bucket, region and credentials.
public struct S3Configuration: Sendable {
    /// "https://s3.eu-west-1.amazonaws.com", or a compatible server ("http://127.0.0.1:9000").
    public var endpoint: String
    public var bucket: String
    public var region: String
    public var credentials: SignatureV4.Credentials
    /// Path-style URLs (endpoint/bucket/key), which every compatible server understands;
    /// false for virtual-hosted style (bucket.endpoint/key).
    public var pathStyle: Bool
    public var timeout: Duration

    public init(
        endpoint: String, bucket: String, region: String, credentials: SignatureV4.Credentials,
        pathStyle: Bool = true, timeout: Duration = .seconds(60)
    ) {
        self.endpoint = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
        self.bucket = bucket
        self.region = region
        self.credentials = credentials
        self.pathStyle = pathStyle
        self.timeout = timeout
    }
}

/// An S3 error answer (or a transport failure, status 0), with S3's error code when it sent one.
public struct S3Error: Error, CustomStringConvertible, Sendable {
    public let status: Int
    public let code: String
    public let message: String

    public var description: String { "S3 \(self.status) \(self.code): \(self.message)" }
}

/// The few S3 object calls a blob store needs, signed with SigV4 and sent through libcurl.
public struct S3Client: Sendable {
    public let configuration: S3Configuration
    let curl: CurlClient
    let signer: SignatureV4

    public init(configuration: S3Configuration, curl: CurlClient) {
        self.configuration = configuration
        self.curl = curl
        self.signer = SignatureV4(credentials: configuration.credentials, region: configuration.region, service: "s3")
    }

    /// Uploads a file as the object `key`. `sha256` (hex) is the file's digest: S3 checks it.
    public func putObject(_ key: String, file: String, sha256: String, contentType: String) async throws {
        var request = self.request("PUT", key: key, payloadHash: sha256, headers: [("Content-Type", contentType)])
        request.bodyFile = file
        try Self.check(try await self.send(request), expect: [200])
    }

    /// Whether the object exists (HEAD).
    public func objectExists(_ key: String) async throws -> Bool {
        let response = try await self.send(self.request("HEAD", key: key))
        if response.status == 404 { return false }
        try Self.check(response, expect: [200])
        return true
    }

    /// `length` bytes of the object from `offset` (fewer at its end).
    public func getObject(_ key: String, offset: Int64, length: Int) async throws -> [UInt8] {
        let range = "bytes=\(offset)-\(offset + Int64(length) - 1)"
        let response = try await self.send(self.request("GET", key: key, headers: [("Range", range)]))
        try Self.check(response, expect: [200, 206])
        return response.body
    }

    /// Deletes the object; deleting a missing object succeeds, as in S3.
    public func deleteObject(_ key: String) async throws {
        try Self.check(try await self.send(self.request("DELETE", key: key)), expect: [200, 204, 404])
    }

    /// Creates the bucket; one that exists and is ours already is fine.
    public func createBucket() async throws {
        let response = try await self.send(self.request("PUT", key: nil))
        if response.status == 409, String(decoding: response.body, as: UTF8.self).contains("BucketAlreadyOwnedByYou") {
            return
        }
        try Self.check(response, expect: [200])
    }

    private func request(
        _ method: String, key: String?, payloadHash: String = SignatureV4.emptyPayloadHash,
        headers extra: [(String, String)] = []
    ) -> CurlRequest {
        let endpoint = URLComponents(string: self.configuration.endpoint)
        let scheme = endpoint?.scheme ?? "https"
        var host = endpoint?.host ?? ""
        if let port = endpoint?.port { host += ":\(port)" }
        let encodedKey = key.map { SignatureV4.uriEncode($0, keepSlash: true) }
        let path: String
        if self.configuration.pathStyle {
            path = "/\(self.configuration.bucket)" + (encodedKey.map { "/\($0)" } ?? "")
        } else {
            host = "\(self.configuration.bucket).\(host)"
            path = "/" + (encodedKey ?? "")
        }
        let headers = self.signer.sign(
            method: method, path: path,
            headers: [("Host", host), ("x-amz-content-sha256", payloadHash)] + extra, payloadHash: payloadHash
        )
        // libcurl sends its own Host header from the URL; ours must not be sent twice.
        return CurlRequest(
            method: method, url: "\(scheme)://\(host)\(path)", headers: headers.filter { $0.0 != "Host" },
            timeout: self.configuration.timeout)
    }

    private func send(_ request: CurlRequest) async throws -> CurlResponse {
        do {
            return try await self.curl.send(request)
        } catch let error as CurlError {
            throw S3Error(status: 0, code: "Unreachable", message: error.description)
        }
    }

    private static func check(_ response: CurlResponse, expect: Set<Int>) throws {
        guard !expect.contains(response.status) else { return }
        let body = String(decoding: response.body.prefix(2048), as: UTF8.self)
        func element(_ name: String) -> String? {
            guard let start = body.range(of: "<\(name)>"),
                let end = body.range(of: "</\(name)>", range: start.upperBound..<body.endIndex)
            else { return nil }
            return String(body[start.upperBound..<end.lowerBound])
        }
        throw S3Error(
            status: response.status, code: element("Code") ?? "HTTP\(response.status)",
            message: element("Message") ?? body)
    }
}
