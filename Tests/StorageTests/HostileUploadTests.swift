import Foundation
import ImageSamples
import TestSupport
import Testing

/// Bad input and bad luck on the way in: empty files, non-images, a file one byte over the limit,
/// quotas, hostile names, a cut connection resumed, a full disk. Each a clear error, and nothing
/// half-written: no blob row, no upload row, no staged file, no object.
@Suite(.serialized) struct HostileUploadTests {
    static func expectNothingLeft(
        _ stack: StorageStack, blobs: Int = 0, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        #expect(try await stack.count("SELECT count(*) FROM blobs") == blobs, sourceLocation: sourceLocation)
        #expect(
            try await stack.count("SELECT count(*) FROM uploads WHERE blob_id IS NULL") == 0,
            sourceLocation: sourceLocation)
        #expect(stack.stagedFiles().isEmpty, "staging: \(stack.stagedFiles())", sourceLocation: sourceLocation)
    }

    @Test func emptyNonImageAndOversizedFilesAreRefusedAndLeaveNothing() async throws {
        let stack = try await StorageStack.start(.local)
        defer { Task { await stack.stop() } }
        let user = try await stack.http.signedInUser("limits@imageswiss.test")

        let empty = try await stack.upload([], name: "empty.jpg", token: user.access)
        #expect(empty.status == 400 && empty.errorCode == "empty_file", "\(empty.text)")
        // A script with an image's name and header is still not an image.
        let html = try await stack.http.call(
            "POST", "/api/v1/files", raw: Data("<html><script>alert(1)</script>".utf8), bearer: user.access,
            headers: ["Content-Type": "image/jpeg", "X-File-Name": "cat.jpg"])
        #expect(html.status == 400 && html.errorCode == "unsupported_content")
        let wrongPurpose = try await stack.upload(
            try Samples.jpeg(width: 8, height: 8), name: "x.jpg", token: user.access, purpose: "result")
        #expect(wrongPurpose.status == 400 && wrongPurpose.errorCode == "invalid_purpose")
        try await Self.expectNothingLeft(stack)

        // 50 MiB + 1 byte: refused from its Content-Length before a chunk is stored…
        let limit = 50 << 20
        var big = try Samples.jpeg(width: 16, height: 16)
        big += [UInt8](repeating: 0x55, count: limit + 1 - big.count)
        let over = try await stack.upload(big, name: "big.jpg", token: user.access)
        #expect(over.status == 413 && over.errorCode == "file_too_large", "\(over.text)")
        try await Self.expectNothingLeft(stack)
        // …and through a resumable upload that never announced its size, at the chunk that crosses it.
        let begun = try await stack.http.call("POST", "/api/v1/uploads", json: ["name": "big.jpg"], bearer: user.access)
        let uploadID = try #require(begun.json["id"] as? String)
        let put = try await stack.http.call(
            "PUT", "/api/v1/uploads/\(uploadID)?offset=0", raw: Data(big), bearer: user.access,
            headers: ["Content-Type": "application/octet-stream"])
        #expect(put.status == 413 && put.errorCode == "file_too_large")
        #expect(try await stack.http.call("GET", "/api/v1/uploads/\(uploadID)", bearer: user.access).status == 404)
        try await Self.expectNothingLeft(stack)
        // Exactly 50 MiB is fine.
        let exact = try await stack.upload(Array(big.dropLast()), name: "exact.jpg", token: user.access)
        #expect(exact.status == 201 && exact.json["size"] as? Int == limit)
    }

    @Test func quotasCountEveryFileAndRefuseTheOneThatDoesNotFit() async throws {
        let stack = try await StorageStack.start(.local, ["STORAGE_QUOTAS": "free=300000,remember=600000"])
        defer { Task { await stack.stop() } }
        let user = try await stack.http.signedInUser("quota@imageswiss.test")
        var file = try Samples.jpeg(width: 16, height: 16)
        file += [UInt8](repeating: 1, count: 200_000 - file.count)
        #expect(try await stack.upload(file, name: "one.jpg", token: user.access).status == 201)
        // The same bytes again still count: the quota is what the user keeps, not what the disk holds.
        let second = try await stack.upload(file, name: "two.jpg", token: user.access)
        #expect(second.status == 413 && second.errorCode == "quota_exceeded", "\(second.text)")
        try await Self.expectNothingLeft(stack, blobs: 1)
        let usage = try await stack.http.call("GET", "/api/v1/files/usage", bearer: user.access)
        #expect(usage.json["used_bytes"] as? Int == 200_000 && usage.json["quota_bytes"] as? Int == 300_000)
        // A paid tier (from Billing) has the larger quota at once.
        let upgraded = try await stack.http.call(
            "PUT", "/api/v1/billing/subscription", json: ["tier": "remember"], bearer: user.access)
        #expect(upgraded.status == 200)
        #expect(try await stack.upload(file, name: "two.jpg", token: user.access).status == 201)
        let paid = try await stack.http.call("GET", "/api/v1/files/usage", bearer: user.access)
        #expect(paid.json["tier"] as? String == "remember" && paid.json["quota_bytes"] as? Int == 600_000)
        // Billing gone: the edge cannot learn the tier and passes the free tier's, the smallest quota.
        try await stack.stack.crash("billing")
        let unknown = try await stack.http.call("GET", "/api/v1/files/usage", bearer: user.access)
        #expect(unknown.json["tier"] as? String == "free" && unknown.json["quota_bytes"] as? Int == 300_000)
    }

    @Test func hostileNamesStayDisplayText() async throws {
        let stack = try await StorageStack.start(.local)
        defer { Task { await stack.stop() } }
        let user = try await stack.http.signedInUser("names@imageswiss.test")
        let photo = try Samples.jpeg(width: 8, height: 8)
        let cases: [(String, String)] = [
            ("../../etc/passwd", "passwd"),
            ("..", ""),
            ("C:\\Windows\\evil.jpg", "evil.jpg"),
            ("a\r\nSet-Cookie: x=1\u{0}.jpg", "aSet-Cookie: x=1.jpg"),
            ("photo\u{202E}gpj.exe", "photogpj.exe"),
            ("ünïcødé 照片.jpg", "ünïcødé 照片.jpg"),
        ]
        for (raw, expected) in cases {
            let reply = try await stack.upload(photo, name: raw, token: user.access)
            #expect(
                reply.status == 201 && reply.json["name"] as? String == expected,
                "\(raw.debugDescription) → \(reply.json["name"] ?? "-")")
            let download = try await stack.http.call(
                "GET", "/api/v1/files/\(reply.json["id"] as! String)/content", bearer: user.access)
            let disposition = download.headers["content-disposition"] ?? ""
            #expect(download.headers["set-cookie"] == nil)
            #expect(
                !disposition.contains("\r") && !disposition.contains("\n")
                    && disposition.hasPrefix("attachment; filename=\""))
        }
        // Nothing was written outside the objects folder: only content-addressed files exist.
        let stored = FileManager.default.enumerator(atPath: stack.dataDirectory)?.allObjects as? [String] ?? []
        #expect(stored.allSatisfy { $0 == "objects" || $0 == "staging" || $0.hasPrefix("objects/") })
        #expect(!FileManager.default.fileExists(atPath: stack.dataDirectory + "/../etc/passwd"))
    }

    /// A client sends half a file and drops the connection; it asks how much arrived and sends the rest.
    @Test(arguments: StorageStack.Backend.allCases)
    func anUploadCutOffHalfwayResumes(backend: StorageStack.Backend) async throws {
        let stack = try await StorageStack.start(backend)
        defer { Task { await stack.stop() } }
        let user = try await stack.http.signedInUser("resume@imageswiss.test")
        var file = try Samples.jpeg(width: 64, height: 64)
        file += (0..<(5 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 9) }
        let begun = try await stack.http.call(
            "POST", "/api/v1/uploads", json: ["name": "long.jpg", "size": file.count], bearer: user.access,
            headers: ["Idempotency-Key": "resume-1"])
        #expect(begun.status == 201)
        let id = try #require(begun.json["id"] as? String)
        // The same key again is the same upload.
        let again = try await stack.http.call(
            "POST", "/api/v1/uploads", json: ["name": "long.jpg", "size": file.count], bearer: user.access,
            headers: ["Idempotency-Key": "resume-1"])
        #expect(again.json["id"] as? String == id)

        try await RawHTTP.sendAndDrop(
            port: stack.http.port, path: "/api/v1/uploads/\(id)?offset=0", token: user.access,
            declaredLength: file.count, body: Array(file.prefix(3 << 20)))
        var received = -1
        for _ in 0..<50 {
            let status = try await stack.http.call("GET", "/api/v1/uploads/\(id)", bearer: user.access)
            let now = status.json["received"] as? Int ?? -1
            if now == received && now > 0 { break }
            received = now
            try await Task.sleep(for: .milliseconds(300))
        }
        #expect(received > 0 && received <= 3 << 20, "received \(received)")
        // Committing now is refused: the file is incomplete.
        let early = try await stack.http.call("POST", "/api/v1/uploads/\(id)/commit", bearer: user.access)
        #expect(early.status == 409 && early.errorCode == "upload_incomplete")
        // A chunk at the wrong offset is refused and changes nothing.
        let wrong = try await stack.http.call(
            "PUT", "/api/v1/uploads/\(id)?offset=\(received + 1)", raw: Data(file[(received + 1)...]),
            bearer: user.access, headers: ["Content-Type": "application/octet-stream"])
        #expect(wrong.status == 409 && wrong.errorCode == "offset_mismatch")
        let rest = try await stack.http.call(
            "PUT", "/api/v1/uploads/\(id)?offset=\(received)", raw: Data(file[received...]),
            bearer: user.access, headers: ["Content-Type": "application/octet-stream"])
        #expect(rest.status == 200 && rest.json["received"] as? Int == file.count, "\(rest.text)")
        let committed = try await stack.http.call("POST", "/api/v1/uploads/\(id)/commit", bearer: user.access)
        #expect(committed.status == 201 && committed.json["sha256"] as? String == sha256Hex(file))
        // A retried commit returns the same file.
        let retried = try await stack.http.call("POST", "/api/v1/uploads/\(id)/commit", bearer: user.access)
        #expect(retried.json["id"] as? String == committed.json["id"] as? String)
        let download = try await stack.http.call(
            "GET", "/api/v1/files/\(committed.json["id"] as! String)/content", bearer: user.access)
        #expect(download.body.count == file.count && sha256Hex(Array(download.body)) == sha256Hex(file))
        #expect(stack.stagedFiles().isEmpty)
    }

    /// The disk fills up (the Storage process may write at most 1 MiB per file: RLIMIT_FSIZE).
    @Test func aFullDiskIsAClearErrorAndKeepsNothing() async throws {
        let stack = try await StorageStack.start(
            .local, wrapper: ["storage": ["/bin/sh", "-c", "ulimit -f 2048 && exec \"$0\""]])
        defer { Task { await stack.stop() } }
        let user = try await stack.http.signedInUser("full@imageswiss.test")
        var big = try Samples.jpeg(width: 16, height: 16)
        big += [UInt8](repeating: 7, count: (3 << 20) - big.count)
        let refused = try await stack.upload(big, name: "big.jpg", token: user.access)
        #expect(refused.status == 507 && refused.errorCode == "storage_full", "\(refused.status) \(refused.text)")
        try await Self.expectNothingLeft(stack)
        // The service keeps serving what fits.
        let small = try await stack.upload(
            try Samples.jpeg(width: 32, height: 32), name: "small.jpg", token: user.access)
        #expect(small.status == 201)
        #expect(stack.stack.process("storage").isRunning)
    }

    @Test func expiredFilesAndDeletedAccountsLeaveNoBytes() async throws {
        let stack = try await StorageStack.start(
            .local, ["STORAGE_TTL_UPLOAD_S": "1", "STORAGE_SWEEP_INTERVAL_MS": "200"])
        defer { Task { await stack.stop() } }
        let user = try await stack.http.signedInUser("expiry@imageswiss.test")
        let photo = try Samples.jpeg(width: 24, height: 24)
        let temporary = try await stack.upload(photo, name: "soon-gone.jpg", token: user.access)
        #expect(temporary.status == 201)
        var gone = false
        for _ in 0..<40 where !gone {
            try await Task.sleep(for: .milliseconds(250))
            gone = try await stack.count("SELECT count(*) FROM blobs") == 0
        }
        #expect(gone, "the sweeper removes expired files")
        #expect(try await stack.objectExists(sha256: sha256Hex(photo)) == false)

        // Kept files go with their account.
        let avatar = try await stack.upload(photo, name: "me.jpg", token: user.access, purpose: "avatar")
        #expect(avatar.status == 201 && avatar.json["expires_at"] == nil)
        let deleted = try await stack.http.call(
            "DELETE", "/api/v1/me", json: ["password": "correct horse battery staple"], bearer: user.access)
        #expect(deleted.status == 200, "\(deleted.text)")
        #expect(try await stack.count("SELECT count(*) FROM blobs") == 0)
        #expect(try await stack.objectExists(sha256: sha256Hex(photo)) == false)

        // An administrator can repeat a purge for any user; nobody else can.
        let other = try await stack.http.signedInUser("other@imageswiss.test")
        #expect(try await stack.upload(photo, name: "kept.jpg", token: other.access, purpose: "avatar").status == 201)
        #expect(
            try await stack.http.call("DELETE", "/api/v1/admin/users/\(other.id)/files", bearer: other.access).status
                == 403)
        let admin = try await stack.http.signedInUser(StorageStack.adminEmail)
        let purged = try await stack.http.call("DELETE", "/api/v1/admin/users/\(other.id)/files", bearer: admin.access)
        #expect(purged.status == 200 && purged.json["deleted_files"] as? Int == 1, "\(purged.text)")
        #expect(try await stack.count("SELECT count(*) FROM blobs") == 0)
    }
}

/// HTTP written by hand, to do what clients do by accident: announce a body and stop halfway.
enum RawHTTP {
    static func sendAndDrop(port: Int, path: String, token: String, declaredLength: Int, body: [UInt8]) async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("partial-\(UUID().uuidString)").path
        FileManager.default.createFile(atPath: file, contents: Data(body))
        let script = """
            import socket, sys, time
            port, path, token, length, body = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], open(sys.argv[5], 'rb').read()
            s = socket.create_connection(('127.0.0.1', port))
            s.sendall(('PUT %s HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\nAuthorization: Bearer %s\\r\\nContent-Type: application/octet-stream\\r\\n'
                       'Content-Length: %s\\r\\n\\r\\n' % (path, token, length)).encode() + body)
            time.sleep(0.5)
            s.close()
            """
        _ = try await run("/usr/bin/env", ["python3", "-c", script, "\(port)", path, token, "\(declaredLength)", file])
    }
}

extension HostileUploadTests {
    /// The object store goes away: uploads and downloads answer 503 storage_unavailable, nothing
    /// half-written stays, and Storage serves again when it is back.
    @Test func anObjectStoreOutageIsUnavailableNotInternal() async throws {
        let stack = try await StorageStack.start(.s3)
        defer { Task { await stack.stop() } }
        let user = try await stack.http.signedInUser("outage@imageswiss.test")
        let kept = try await stack.upload(try Samples.jpeg(width: 16, height: 16), name: "kept.jpg", token: user.access)
        #expect(kept.status == 201)
        stack.moto!.stop()
        _ = try? await stack.moto!.process.wait()
        let refused = try await stack.upload(
            try Samples.jpeg(width: 20, height: 20), name: "lost.jpg", token: user.access)
        #expect(
            refused.status == 503 && refused.errorCode == "storage_unavailable", "\(refused.status) \(refused.text)")
        try await Self.expectNothingLeft(stack, blobs: 1)
        let download = try await stack.http.call(
            "GET", "/api/v1/files/\(kept.json["id"] as! String)/content", bearer: user.access)
        #expect(download.status == 503 && download.errorCode == "storage_unavailable")
        #expect(stack.stack.process("storage").isRunning)
    }
}
