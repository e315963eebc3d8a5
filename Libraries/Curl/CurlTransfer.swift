import CCurl
import Glibc

/// One blocking libcurl transfer. The only file that touches libcurl's C API; callers run it on a
/// thread pool (`CurlClient`), never on an event loop or Swift's cooperative threads.
final class CurlTransfer {
    private let handle: UnsafeMutableRawPointer
    private var lists: [UnsafeMutablePointer<curl_slist>] = []
    private var strings: [UnsafeMutablePointer<CChar>] = []
    /// Bytes received (body), and the cap beyond which the transfer is aborted.
    var received: [UInt8] = []
    var headerLines: [String] = []
    let maxResponseBytes: Int
    /// Bytes to send (request body or mail), and how far the read callback got.
    var upload: [UInt8] = []
    var uploadOffset = 0
    var overflowed = false
    /// True when the transfer sends `upload` through the read callback (SMTP, PUT).
    var uploading = false
    /// A file the read callback sends instead of `upload` (-1: none), and its size.
    private var uploadFile: Int32 = -1
    private(set) var uploadFileSize = 0

    private static let globalInit: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK

    init(maxResponseBytes: Int) throws(CurlError) {
        guard Self.globalInit, let handle = curl_easy_init() else { throw CurlError("libcurl could not start") }
        self.handle = handle
        self.maxResponseBytes = maxResponseBytes
    }

    deinit {
        if self.uploadFile >= 0 { close(self.uploadFile) }
        curl_easy_cleanup(self.handle)
        for list in self.lists { curl_slist_free_all(list) }
        for string in self.strings { free(string) }
    }

    func set(_ option: CURLoption, _ value: Int) throws(CurlError) {
        try Self.check(isw_curl_long(self.handle, option, value))
    }

    /// libcurl keeps string options' pointers (for some of them), so the copies live as long as the transfer.
    func set(_ option: CURLoption, _ value: String) throws(CurlError) {
        guard let copy = strdup(value) else { throw CurlError("out of memory") }
        self.strings.append(copy)
        try Self.check(isw_curl_string(self.handle, option, copy))
    }

    func set(_ option: CURLoption, list values: [String]) throws(CurlError) {
        var list: UnsafeMutablePointer<curl_slist>?
        for value in values { list = curl_slist_append(list, value) }
        guard let list else { return }
        self.lists.append(list)
        try Self.check(isw_curl_slist(self.handle, option, list))
    }

    func setUploadSize(_ size: Int) throws(CurlError) {
        try Self.check(isw_curl_off(self.handle, CURLOPT_INFILESIZE_LARGE, curl_off_t(size)))
    }

    /// Sends the file at `path` as the body, read in the chunks libcurl asks for.
    func uploadFrom(file path: String) throws(CurlError) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw CurlError("cannot open \(path): \(String(cString: strerror(errno)))") }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            close(descriptor)
            throw CurlError("cannot stat \(path)")
        }
        self.uploadFile = descriptor
        self.uploadFileSize = Int(info.st_size)
        self.uploading = true
    }

    /// Runs the transfer; returns the HTTP status (0 for non-HTTP protocols).
    func perform() throws(CurlError) -> Int {
        let context = Unmanaged.passUnretained(self).toOpaque()
        try Self.check(isw_curl_pointer(self.handle, CURLOPT_WRITEDATA, context))
        try Self.check(
            isw_curl_callback(
                self.handle, CURLOPT_WRITEFUNCTION,
                { data, size, count, context in
                    let transfer = Unmanaged<CurlTransfer>.fromOpaque(context!).takeUnretainedValue()
                    let length = size * count
                    guard transfer.received.count + length <= transfer.maxResponseBytes else {
                        transfer.overflowed = true
                        return 0  // aborts the transfer with CURLE_WRITE_ERROR
                    }
                    if let data {
                        transfer.received.append(contentsOf: UnsafeRawBufferPointer(start: data, count: length))
                    }
                    return length
                }))
        try Self.check(isw_curl_pointer(self.handle, CURLOPT_HEADERDATA, context))
        try Self.check(
            isw_curl_callback(
                self.handle, CURLOPT_HEADERFUNCTION,
                { data, size, count, context in
                    let transfer = Unmanaged<CurlTransfer>.fromOpaque(context!).takeUnretainedValue()
                    let length = size * count
                    if let data, transfer.headerLines.count < 200 {
                        transfer.headerLines.append(
                            String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self))
                    }
                    return length
                }))
        if self.uploading {
            try Self.check(isw_curl_pointer(self.handle, CURLOPT_READDATA, context))
            try Self.check(
                isw_curl_callback(
                    self.handle, CURLOPT_READFUNCTION,
                    { buffer, size, count, context in
                        let transfer = Unmanaged<CurlTransfer>.fromOpaque(context!).takeUnretainedValue()
                        if transfer.uploadFile >= 0 {
                            guard let buffer else { return 0 }
                            let read = Glibc.read(transfer.uploadFile, buffer, size * count)
                            return read < 0 ? Int(CURL_READFUNC_ABORT) : read
                        }
                        let chunk = min(size * count, transfer.upload.count - transfer.uploadOffset)
                        guard chunk > 0, let buffer else { return 0 }
                        transfer.upload.withUnsafeBytes { bytes in
                            UnsafeMutableRawPointer(buffer).copyMemory(
                                from: bytes.baseAddress! + transfer.uploadOffset, byteCount: chunk)
                        }
                        transfer.uploadOffset += chunk
                        return chunk
                    }))
        }
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        let result = errorBuffer.withUnsafeMutableBufferPointer { buffer -> CURLcode in
            _ = isw_curl_pointer(self.handle, CURLOPT_ERRORBUFFER, buffer.baseAddress)
            let code = curl_easy_perform(self.handle)
            _ = isw_curl_pointer(self.handle, CURLOPT_ERRORBUFFER, nil)
            return code
        }
        if self.overflowed { throw CurlError("the response is larger than \(self.maxResponseBytes) bytes") }
        guard result == CURLE_OK else {
            let detail = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw CurlError(
                detail.isEmpty ? String(cString: curl_easy_strerror(result)) : detail, code: Int(result.rawValue))
        }
        return isw_curl_response_code(self.handle)
    }

    private static func check(_ code: CURLcode) throws(CurlError) {
        guard code == CURLE_OK else {
            throw CurlError(String(cString: curl_easy_strerror(code)), code: Int(code.rawValue))
        }
    }
}

/// A libcurl failure: cannot connect, timed out, TLS, response too large…
public struct CurlError: Error, CustomStringConvertible, Sendable {
    public let description: String
    /// libcurl's CURLcode, 0 when the failure is ours.
    public let code: Int

    init(_ description: String, code: Int = 0) {
        self.description = description
        self.code = code
    }
}
