import CCurl
import Foundation
import NIOPosix

/// An HTTP request for `CurlClient`.
public struct CurlRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(String, String)]
    public var body: [UInt8]
    /// A file sent as the body instead of `body`, read as libcurl asks (a PUT of any size in bounded memory).
    public var bodyFile: String?
    public var timeout: Duration
    /// Pinned addresses, "host:port:address" (curl's --resolve): the transfer connects to these and
    /// resolves nothing itself, so an address checked before the call is the one connected to.
    public var resolve: [String] = []

    public init(
        method: String = "GET", url: String, headers: [(String, String)] = [], body: [UInt8] = [],
        timeout: Duration = .seconds(10)
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }
}

public struct CurlResponse: Sendable {
    public let status: Int
    /// Header names lowercased; the last value wins.
    public let headers: [String: String]
    public let body: [UInt8]
}

/// Outbound HTTP(S) and SMTP through libcurl, on a small thread pool of its own. Only http and
/// https (or smtp and smtps) are allowed, redirects are never followed, responses are capped.
public final class CurlClient: Sendable {
    let threads: NIOThreadPool
    public let maxResponseBytes: Int

    public init(threads: Int = 2, maxResponseBytes: Int = 8 << 20) {
        self.threads = NIOThreadPool(numberOfThreads: threads)
        self.threads.start()
        self.maxResponseBytes = maxResponseBytes
    }

    public func send(_ request: CurlRequest) async throws -> CurlResponse {
        let limit = self.maxResponseBytes
        var request = request
        if let header = CurlPropagation.header(), !request.headers.contains(where: { $0.0.lowercased() == header.0 }) {
            request.headers.append(header)
        }
        return try await self.threads.runIfActive { [request] in try Self.perform(request, maxResponseBytes: limit) }
    }

    /// Sends one mail (`message` is a whole RFC 5322 message, CRLF line ends) to an SMTP server:
    /// `smtp://host:port` (STARTTLS required when `requireTLS`) or `smtps://host:port`.
    public func sendMail(
        server: String, username: String?, password: String?, from: String, to recipients: [String], message: [UInt8],
        requireTLS: Bool, timeout: Duration = .seconds(30)
    ) async throws {
        try await self.threads.runIfActive {
            let transfer = try CurlTransfer(maxResponseBytes: 1 << 16)
            try transfer.set(CURLOPT_URL, server)
            try transfer.set(CURLOPT_PROTOCOLS_STR, "smtp,smtps")
            try transfer.set(CURLOPT_NOSIGNAL, 1)
            try transfer.set(CURLOPT_TIMEOUT_MS, Self.milliseconds(timeout))
            if requireTLS { try transfer.set(CURLOPT_USE_SSL, Int(CURLUSESSL_ALL.rawValue)) }
            if let username { try transfer.set(CURLOPT_USERNAME, username) }
            if let password { try transfer.set(CURLOPT_PASSWORD, password) }
            try transfer.set(CURLOPT_MAIL_FROM, "<\(from)>")
            try transfer.set(CURLOPT_MAIL_RCPT, list: recipients.map { "<\($0)>" })
            transfer.upload = message
            transfer.uploading = true
            try transfer.set(CURLOPT_UPLOAD, 1)
            _ = try transfer.perform()
        }
    }

    static func perform(_ request: CurlRequest, maxResponseBytes: Int) throws -> CurlResponse {
        let transfer = try CurlTransfer(maxResponseBytes: maxResponseBytes)
        try transfer.set(CURLOPT_URL, request.url)
        try transfer.set(CURLOPT_PROTOCOLS_STR, "http,https")
        try transfer.set(CURLOPT_FOLLOWLOCATION, 0)
        try transfer.set(CURLOPT_NOSIGNAL, 1)  // no SIGALRM in a multithreaded process
        try transfer.set(CURLOPT_TIMEOUT_MS, Self.milliseconds(request.timeout))
        try transfer.set(CURLOPT_CUSTOMREQUEST, request.method)
        if !request.resolve.isEmpty { try transfer.set(CURLOPT_RESOLVE, list: request.resolve) }
        if request.method == "HEAD" { try transfer.set(CURLOPT_NOBODY, 1) }
        // An empty Expect stops libcurl waiting for "100 Continue" before larger bodies.
        try transfer.set(CURLOPT_HTTPHEADER, list: request.headers.map { "\($0.0): \($0.1)" } + ["Expect:"])
        if let path = request.bodyFile {
            try transfer.uploadFrom(file: path)
            try transfer.set(CURLOPT_UPLOAD, 1)
            try transfer.setUploadSize(transfer.uploadFileSize)
            // CURLOPT_UPLOAD means PUT; CUSTOMREQUEST above keeps another method if one was asked for.
        } else if !request.body.isEmpty || ["POST", "PUT", "PATCH"].contains(request.method) {
            transfer.upload = request.body
            transfer.uploading = true
            try transfer.set(CURLOPT_POST, 1)
            try transfer.set(CURLOPT_POSTFIELDSIZE_LARGE, request.body.count)
        }
        let status = try transfer.perform()
        var headers: [String: String] = [:]
        for line in transfer.headerLines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                in: .whitespacesAndNewlines)
        }
        return CurlResponse(status: status, headers: headers, body: transfer.received)
    }

    /// A whole-transfer timeout for CURLOPT_TIMEOUT_MS (at least 1 ms: 0 would mean none).
    static func milliseconds(_ duration: Duration) -> Int {
        max(1, Int(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000))
    }
}
