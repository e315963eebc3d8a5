import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ImageSamples
import TestSupport
import Testing

/// Files through the edge, Storage in-process: docs/api.md's "Expiry", "Deduplication", "Zips" and "Ranges".
@Suite("files through the edge, in-process", .serialized)
struct FileRouteTests {
    @Test("uploads expire after 7 days; equal bytes are stored once and counted twice; zip names get ' (2)'; If-Range")
    func expiryDeduplicationAndZipNames() async throws {
        let stack = try await InProcessStack.start()
        let photo = try Samples.jpeg(width: 64, height: 48)
        let storage = try #require(stack.databases["storage"])
        try await Application(router: stack.router).test(.router) { client in
            let email = "files-\(UUID().uuidString.prefix(6).lowercased())@example.com"
            let token = try await EdgeRouteTests.registerAndSignIn(
                client, email: email, password: "correct horse battery")
            var ids: [String] = []
            for _ in 0..<2 {
                let file = try await client.execute(
                    uri: "/api/v1/files?name=holiday.jpg", method: .post,
                    headers: [.authorization: "Bearer \(token)", .contentType: "image/jpeg"],
                    body: ByteBuffer(bytes: photo)
                ) { response in
                    #expect(response.status == .created, "\(String(buffer: response.body))")
                    return try EdgeRouteTests.json(response.body)
                }
                let created = try #require((file["created_at"] as? String).flatMap(Self.date))
                let expires = try #require((file["expires_at"] as? String).flatMap(Self.date))
                #expect(abs(expires.timeIntervalSince(created) - 7 * 86_400) < 2, "\(file)")
                ids.append(try #require(file["id"] as? String))
            }

            let usage = try await client.execute(
                uri: "/api/v1/files/usage", method: .get, headers: [.authorization: "Bearer \(token)"]
            ) { try EdgeRouteTests.json($0.body) }
            #expect(usage["files"] as? Int == 2 && usage["used_bytes"] as? Int == 2 * photo.count, "\(usage)")
            let stored = try await storage.query(
                "SELECT count(*) AS files, count(DISTINCT sha256) AS objects FROM blobs")
            #expect(try stored.first?.decode("files", as: Int64.self) == 2)
            #expect(try stored.first?.decode("objects", as: Int64.self) == 1)

            let zip = try await client.execute(
                uri: "/api/v1/files/zip", method: .post,
                headers: [.authorization: "Bearer \(token)", .contentType: "application/json"],
                body: try EdgeRouteTests.body(["ids": ids])
            ) { response in
                #expect(response.status == .ok)
                return Array(response.body.readableBytesView)
            }
            #expect(Set(try await ZipCheck.entries(zip).keys) == ["holiday.jpg", "holiday (2).jpg"])

            // Ranges: one range is 206 with its bytes; with If-Range, only while the ETag still matches.
            let content = "/api/v1/files/\(ids[0])/content"
            let etag = try await client.execute(
                uri: content, method: .head, headers: [.authorization: "Bearer \(token)"]
            ) { try #require($0.headers[.eTag]) }
            for (ifRange, expected) in [
                (nil, HTTPResponse.Status.partialContent), (etag, .partialContent), ("\"other\"", .ok),
            ] {
                var headers: HTTPFields = [.authorization: "Bearer \(token)", .range: "bytes=10-19"]
                if let ifRange { headers[.ifRange] = ifRange }
                try await client.execute(uri: content, method: .get, headers: headers) { response in
                    #expect(response.status == expected, "If-Range \(ifRange ?? "absent")")
                    let bytes = Array(response.body.readableBytesView)
                    #expect(bytes == (expected == .ok ? photo : Array(photo[10...19])))
                    if expected == .partialContent {
                        #expect(response.headers[.contentRange] == "bytes 10-19/\(photo.count)")
                    }
                }
            }
        }
        await stack.close()
    }

    static func date(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text) ?? ISO8601DateFormatter().date(from: text)
    }
}
