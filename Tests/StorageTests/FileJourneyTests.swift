import Foundation
import ImageSamples
import TestSupport
import Testing

/// The whole life of files through the edge, on both backends: upload, metadata, download with
/// ranges and ETags, listing, signed links, zips, deduplication, deletion — and every route
/// refusing another user's ids.
@Suite(.serialized) struct FileJourneyTests {
    @Test(arguments: StorageStack.Backend.allCases)
    func filesLiveAndDieThroughTheEdge(backend: StorageStack.Backend) async throws {
        let stack = try await StorageStack.start(backend)
        defer { Task { await stack.stop() } }
        let alice = try await stack.http.signedInUser("alice@imageswiss.test")
        let bob = try await stack.http.signedInUser("bob@imageswiss.test")

        // Upload: type and size from the bytes, the name kept as display text.
        let photo = try Samples.jpeg(width: 320, height: 200)
        let uploaded = try await stack.upload(photo, name: "holiday photo.jpg", token: alice.access)
        #expect(uploaded.status == 201, "\(uploaded.text)")
        let id = try #require(uploaded.json["id"] as? String)
        #expect(uploaded.json["content_type"] as? String == "image/jpeg")
        #expect(uploaded.json["width"] as? Int == 320 && uploaded.json["height"] as? Int == 200)
        #expect(uploaded.json["size"] as? Int == photo.count)
        #expect(uploaded.json["sha256"] as? String == sha256Hex(photo))
        #expect(uploaded.json["name"] as? String == "holiday photo.jpg")
        #expect(uploaded.json["expires_at"] is String, "uploads expire by default")

        // Download: exact bytes and headers.
        let content = try await stack.http.call("GET", "/api/v1/files/\(id)/content", bearer: alice.access)
        #expect(content.status == 200)
        #expect(Array(content.body) == photo)
        #expect(content.headers["content-type"] == "image/jpeg")
        #expect(content.headers["x-content-type-options"] == "nosniff")
        #expect(content.headers["etag"] == "\"\(sha256Hex(photo))\"")
        #expect(
            content.headers["content-disposition"]
                == "attachment; filename=\"holiday photo.jpg\"; filename*=UTF-8''holiday%20photo.jpg")
        let range = try await stack.http.call(
            "GET", "/api/v1/files/\(id)/content", bearer: alice.access, headers: ["Range": "bytes=10-19"])
        #expect(range.status == 206 && Array(range.body) == Array(photo[10...19]))
        #expect(range.headers["content-range"] == "bytes 10-19/\(photo.count)")
        let suffix = try await stack.http.call(
            "GET", "/api/v1/files/\(id)/content", bearer: alice.access, headers: ["Range": "bytes=-5"])
        #expect(suffix.status == 206 && Array(suffix.body) == Array(photo.suffix(5)))
        let outside = try await stack.http.call(
            "GET", "/api/v1/files/\(id)/content", bearer: alice.access, headers: ["Range": "bytes=\(photo.count)-"])
        #expect(outside.status == 416 && outside.headers["content-range"] == "bytes */\(photo.count)")
        let cached = try await stack.http.call(
            "GET", "/api/v1/files/\(id)/content", bearer: alice.access,
            headers: ["If-None-Match": "\"\(sha256Hex(photo))\""])
        #expect(cached.status == 304 && cached.body.isEmpty)
        let head = try await stack.http.call("HEAD", "/api/v1/files/\(id)/content", bearer: alice.access)
        #expect(head.status == 200 && head.body.isEmpty && head.headers["content-length"] == "\(photo.count)")

        // Listing with filters and pages.
        let png = try Samples.png(width: 64, height: 48)
        let second = try await stack.upload(png, name: "diagram.png", token: alice.access)
        #expect(
            second.status == 201 && second.json["content_type"] as? String == "image/png"
                && second.json["width"] as? Int == 64)
        let pngID = try #require(second.json["id"] as? String)
        let onlyPNG = try await stack.http.call("GET", "/api/v1/files?type=image/png", bearer: alice.access)
        #expect((onlyPNG.json["items"] as? [[String: Any]])?.map { $0["id"] as? String } == [pngID])
        let page1 = try await stack.http.call("GET", "/api/v1/files?page_size=1", bearer: alice.access)
        let token = try #require(page1.json["next_page_token"] as? String)
        let page2 = try await stack.http.call(
            "GET", "/api/v1/files?page_size=1&page_token=\(token)", bearer: alice.access)
        let pages =
            ((page1.json["items"] as? [[String: Any]]) ?? []) + ((page2.json["items"] as? [[String: Any]]) ?? [])
        #expect(pages.map { $0["id"] as? String } == [pngID, id], "newest first, no repeats")
        #expect(page2.json["next_page_token"] == nil || page2.json["next_page_token"] is NSNull)

        // Signed links: no credentials needed, but the signature and expiry are.
        let link = try await stack.http.call(
            "POST", "/api/v1/files/\(id)/link", json: ["ttl_seconds": 60], bearer: alice.access)
        #expect(link.status == 201)
        let url = try #require(link.json["url"] as? String)
        let viaLink = try await stack.http.call("GET", url)
        #expect(
            viaLink.status == 200 && Array(viaLink.body) == photo && viaLink.headers["content-type"] == "image/jpeg")
        let tampered = url.replacingOccurrences(of: "sig=", with: "sig=A")
        #expect(try await stack.http.call("GET", tampered).errorCode == "invalid_signature")
        let otherBlob = url.replacingOccurrences(of: id, with: pngID)
        #expect(try await stack.http.call("GET", otherBlob).status == 403)
        let longer = url.replacingOccurrences(of: "exp=", with: "exp=9")
        #expect(try await stack.http.call("GET", longer).errorCode == "invalid_signature")
        let short = try await stack.http.call(
            "POST", "/api/v1/files/\(id)/link", json: ["ttl_seconds": 1], bearer: alice.access)
        let shortURL = try #require(short.json["url"] as? String)
        var expired = try await stack.http.call("GET", shortURL)
        try await waitUntil(timeout: .seconds(5)) {
            expired = try await stack.http.call("GET", shortURL)
            return expired.status != 200
        }
        #expect(expired.status == 403 && expired.errorCode == "link_expired")

        // A zip of both, streamed; checked by Python's zipfile (CRCs, names, bytes).
        let zip = try await stack.http.call(
            "POST", "/api/v1/files/zip", json: ["ids": [id, pngID], "name": "my files"], bearer: alice.access)
        #expect(zip.status == 200 && zip.headers["content-type"] == "application/zip")
        #expect(zip.headers["content-length"] == "\(zip.body.count)")
        #expect(zip.headers["content-disposition"]?.contains("my files.zip") == true)
        let listing = try await ZipCheck.entries(Array(zip.body))
        #expect(listing == ["holiday photo.jpg": sha256Hex(photo), "diagram.png": sha256Hex(png)])

        // Bob reaches none of it, guessed ids included; his answers match an unknown id's.
        for path in [
            "/api/v1/files/\(id)", "/api/v1/files/\(id)/content", "/api/v1/files/\(UUID().uuidString)",
            "/api/v1/files/not-a-uuid",
        ] {
            let reply = try await stack.http.call("GET", path, bearer: bob.access)
            #expect(reply.status == 404 && reply.errorCode == "not_found", "\(path)")
        }
        #expect(
            try await stack.http.call("POST", "/api/v1/files/\(id)/link", json: [:], bearer: bob.access).status == 404)
        #expect(
            try await stack.http.call("POST", "/api/v1/files/zip", json: ["ids": [id]], bearer: bob.access).status
                == 404)
        #expect(try await stack.http.call("DELETE", "/api/v1/files/\(id)", bearer: bob.access).status == 404)
        #expect(
            try await stack.http.call(
                "PATCH", "/api/v1/files/\(id)", json: ["expires_at": NSNull()], bearer: bob.access
            ).status == 404)
        let bobsList = try await stack.http.call("GET", "/api/v1/files", bearer: bob.access)
        #expect((bobsList.json["items"] as? [Any])?.isEmpty == true)
        #expect(try await stack.http.call("GET", "/api/v1/files").status == 401)

        // The same content from both users at once: two blobs, one object; it stays until the last goes.
        let shared = try Samples.jpeg(width: 100, height: 100, quality: 70)
        async let fromAlice = stack.upload(shared, name: "a.jpg", token: alice.access)
        async let fromBob = stack.upload(shared, name: "b.jpg", token: bob.access)
        let (a, b) = try await (fromAlice, fromBob)
        #expect(a.status == 201 && b.status == 201)
        #expect(try await stack.count("SELECT count(*) FROM blobs WHERE sha256 = '\(sha256Hex(shared))'") == 2)
        #expect(try await stack.objectExists(sha256: sha256Hex(shared)))
        #expect(
            try await stack.http.call("DELETE", "/api/v1/files/\(a.json["id"] as! String)", bearer: alice.access).status
                == 204)
        #expect(try await stack.objectExists(sha256: sha256Hex(shared)))
        let bobs = try await stack.http.call(
            "GET", "/api/v1/files/\(b.json["id"] as! String)/content", bearer: bob.access)
        #expect(Array(bobs.body) == shared)
        #expect(
            try await stack.http.call("DELETE", "/api/v1/files/\(b.json["id"] as! String)", bearer: bob.access).status
                == 204)
        #expect(try await stack.objectExists(sha256: sha256Hex(shared)) == false)

        // Keeping a file: clearing its expiry.
        let kept = try await stack.http.call(
            "PATCH", "/api/v1/files/\(id)", json: ["expires_at": NSNull()], bearer: alice.access)
        #expect(kept.status == 200 && kept.json["expires_at"] == nil)

        // Delete: gone from the list, the download and the backend.
        #expect(try await stack.http.call("DELETE", "/api/v1/files/\(pngID)", bearer: alice.access).status == 204)
        #expect(try await stack.http.call("GET", "/api/v1/files/\(pngID)/content", bearer: alice.access).status == 404)
        #expect(try await stack.objectExists(sha256: sha256Hex(png)) == false)
        let usage = try await stack.http.call("GET", "/api/v1/files/usage", bearer: alice.access)
        #expect(
            usage.json["used_bytes"] as? Int == photo.count && usage.json["files"] as? Int == 1
                && usage.json["tier"] as? String == "free")
        // The usage the quota reads (kept by a trigger) equals the blobs' own totals for every owner.
        #expect(
            try await stack.count(
                """
                SELECT count(*) FROM (SELECT owner_id, sum(byte_size) AS bytes, count(*) AS blobs FROM blobs GROUP BY owner_id) s
                FULL JOIN owner_usage u USING (owner_id)
                WHERE coalesce(s.bytes, 0) <> coalesce(u.bytes, 0) OR coalesce(s.blobs, 0) <> coalesce(u.blobs, 0)
                """) == 0)
    }

    @Test(arguments: StorageStack.Backend.allCases)
    func multipartUploadsStoreEveryFilePart(backend: StorageStack.Backend) async throws {
        let stack = try await StorageStack.start(backend)
        defer { Task { await stack.stop() } }
        let user = try await stack.http.signedInUser("multi@imageswiss.test")
        let first = try Samples.jpeg(width: 40, height: 30)
        let second = try Samples.png(width: 20, height: 10)
        let boundary = "----imageswiss\(UUID().uuidString.prefix(8))"
        var body = Data()
        func part(_ headers: String, _ bytes: [UInt8]) {
            body += Data("--\(boundary)\r\n\(headers)\r\n\r\n".utf8) + Data(bytes) + Data("\r\n".utf8)
        }
        part("Content-Disposition: form-data; name=\"note\"", Array("ignored".utf8))
        part("Content-Disposition: form-data; name=\"files\"; filename=\"one.jpg\"\r\nContent-Type: text/html", first)
        part("Content-Disposition: form-data; name=\"files\"; filename=\"t\\\"wo.png\"", second)
        body += Data("--\(boundary)--\r\n".utf8)
        let reply = try await stack.http.call(
            "POST", "/api/v1/files", raw: body, bearer: user.access,
            headers: ["Content-Type": "multipart/form-data; boundary=\(boundary)"])
        #expect(reply.status == 201, "\(reply.text)")
        let items = try #require(reply.json["items"] as? [[String: Any]])
        #expect(items.map { $0["name"] as? String } == ["one.jpg", "t\"wo.png"])
        #expect(
            items.map { $0["content_type"] as? String } == ["image/jpeg", "image/png"],
            "types come from the bytes, not the part's header")
        #expect(items.map { $0["sha256"] as? String } == [sha256Hex(first), sha256Hex(second)])

        // A form whose second file is not an image keeps none of its files.
        var bad = Data()
        bad +=
            Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"f\"; filename=\"ok.jpg\"\r\n\r\n".utf8)
            + Data(first) + Data("\r\n".utf8)
        bad += Data(
            "--\(boundary)\r\nContent-Disposition: form-data; name=\"f\"; filename=\"evil.svg\"\r\n\r\n<svg onload=alert(1)/>\r\n--\(boundary)--\r\n"
                .utf8)
        let refused = try await stack.http.call(
            "POST", "/api/v1/files", raw: bad, bearer: user.access,
            headers: ["Content-Type": "multipart/form-data; boundary=\(boundary)"])
        #expect(refused.status == 400 && refused.errorCode == "unsupported_content")
        #expect(try await stack.count("SELECT count(*) FROM blobs") == 2)
        #expect(try await stack.count("SELECT count(*) FROM uploads WHERE blob_id IS NULL") == 0)
        #expect(stack.stagedFiles().isEmpty)
    }
}
