import Foundation
import ImageSamples
import QRCode
import TestSupport
import Testing

/// Desktop → phone hand-offs: the desktop's link (and QR code) opens once, gives the phone a key
/// that may only upload into the desktop's account, and ends with the hand-off.
@Suite(.serialized) struct HandoffTests {
    @Test func aLinkOpensOnceAndLetsThePhoneOnlyUpload() async throws {
        let stack = try await ServiceStack.start(["auth", "billing", "storage"])
        defer { Task { await stack.stop() } }
        let desktop = try await stack.http.signedInUser("desktop@imageswiss.test")
        let started = Date().addingTimeInterval(-1)
        let created = try await stack.http.call(
            "POST", "/api/v1/handoffs", bearer: desktop.access, headers: ["Idempotency-Key": "qr-1"])
        #expect(created.status == 201, "\(created.text)")
        let id = try #require(created.json["id"] as? String)
        let link = try #require(created.json["link"] as? String)
        let token = try #require(link.components(separatedBy: "#/handoff?token=").last)
        #expect(link.hasPrefix("http") && token.count >= 32, "\(link)")
        let svg = try #require(created.json["qr_svg"] as? String)
        let drawn = try QRCode.svg(link, label: "Code to open on your phone")
        #expect(svg.hasPrefix("<svg") && svg.contains("<path") && svg == drawn)
        let expiry = try #require(
            ISO8601DateFormatter.fractional.date(from: created.json["expires_at"] as? String ?? ""))
        #expect(abs(expiry.timeIntervalSinceNow - 900) < 60, "AUTH_HANDOFF_TTL_S's default: 15 minutes")
        // A retried creation is the same hand-off, without the link (shown once).
        let again = try await stack.http.call(
            "POST", "/api/v1/handoffs", bearer: desktop.access, headers: ["Idempotency-Key": "qr-1"])
        #expect(again.json["id"] as? String == id && again.json["link"] == nil && again.json["qr_svg"] == nil)
        #expect(again.headers["idempotent-replayed"] == "true")
        let waiting = try await stack.http.call("GET", "/api/v1/handoffs/\(id)", bearer: desktop.access)
        #expect(waiting.status == 200 && (waiting.json["redeemed_at"] == nil || waiting.json["redeemed_at"] is NSNull))

        // The phone opens the link: an upload-only key until the hand-off ends. Once.
        let opened = try await stack.http.call("POST", "/api/v1/handoffs/redeem", json: ["token": token])
        #expect(opened.status == 200, "\(opened.text)")
        let key = try #require(opened.json["api_key"] as? String)
        #expect(key.hasPrefix("isk_") && opened.json["expires_at"] as? String == created.json["expires_at"] as? String)
        let twice = try await stack.http.call("POST", "/api/v1/handoffs/redeem", json: ["token": token])
        #expect(twice.status == 404 && twice.errorCode == "handoff_unavailable", "\(twice.text)")
        let forged = try await stack.http.call(
            "POST", "/api/v1/handoffs/redeem", json: ["token": "x" + token.dropFirst()])
        #expect(forged.status == 404 && forged.errorCode == "handoff_unavailable")

        let photo = try await stack.http.upload(
            try Samples.photo(width: 640, height: 480), name: "print.jpg", token: key)
        #expect(try await stack.http.call("GET", "/api/v1/me", bearer: key).status == 403, "uploading only")
        #expect(try await stack.http.call("GET", "/api/v1/files", bearer: key).status == 403, "uploading only")
        #expect(
            try await stack.http.call("POST", "/api/v1/handoffs", bearer: key).status == 403, "no hand-off from a key")

        // The desktop sees it opened and the photo among its files.
        let seen = try await stack.http.call("GET", "/api/v1/handoffs/\(id)", bearer: desktop.access)
        #expect(seen.json["redeemed_at"] as? String != nil, "\(seen.text)")
        let after = ISO8601DateFormatter().string(from: started)
        let files = try await stack.http.call("GET", "/api/v1/files?created_after=\(after)", bearer: desktop.access)
        let names = (files.json["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
        #expect(names == [photo], "\(files.text)")
        let stranger = try await stack.http.signedInUser("stranger@imageswiss.test")
        #expect(try await stack.http.call("GET", "/api/v1/handoffs/\(id)", bearer: stranger.access).status == 404)

        // When the hand-off ends, its key stops; a link not opened in time opens nothing.
        let auth = try stack.database(for: "auth")
        try await auth.execute(
            "UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE name = 'Phone hand-off'")
        let late = try await stack.http.call(
            "POST", "/api/v1/files", raw: Data(try Samples.photo(width: 64, height: 48)), bearer: key,
            headers: ["Content-Type": "application/octet-stream", "X-File-Name": "late.jpg"])
        #expect(late.status == 401, "\(late.text)")
        let unopened = try await stack.http.call("POST", "/api/v1/handoffs", bearer: desktop.access)
        let unopenedToken = try #require((unopened.json["link"] as? String)?.components(separatedBy: "token=").last)
        try await auth.execute(
            "UPDATE handoffs SET expires_at = now() - interval '1 second' WHERE id = $1::uuid",
            [try #require(unopened.json["id"] as? String)])
        let expired = try await stack.http.call("POST", "/api/v1/handoffs/redeem", json: ["token": unopenedToken])
        #expect(expired.status == 404 && expired.errorCode == "handoff_unavailable")

        // At most five open at once (the first is still open: its key ended, not the hand-off).
        for _ in 0..<4 {
            #expect(try await stack.http.call("POST", "/api/v1/handoffs", bearer: desktop.access).status == 201)
        }
        let sixth = try await stack.http.call("POST", "/api/v1/handoffs", bearer: desktop.access)
        #expect(sixth.status == 429 && sixth.errorCode == "too_many_handoffs", "\(sixth.text)")
    }
}

/// The QR codes are libqrencode's: the right size for the text and the finder patterns in place.
struct QRCodeTests {
    @Test func aLinkBecomesAVersionSizedCodeWithItsFinderPatterns() throws {
        let modules = try QRCode.modules("http://127.0.0.1:8080/#/handoff?token=" + String(repeating: "A", count: 43))
        // 81 bytes: version 5 at level M (up to 84 bytes), 17 + 4 × 5 modules a side.
        #expect(modules.count == 37, "\(modules.count)")
        #expect(modules.allSatisfy { $0.count == modules.count })
        // A finder pattern: a dark 7×7 ring around a light ring around a dark 3×3 centre.
        for (top, left) in [(0, 0), (0, modules.count - 7), (modules.count - 7, 0)] {
            for row in 0..<7 {
                for column in 0..<7 {
                    let ring = max(abs(row - 3), abs(column - 3))
                    #expect(modules[top + row][left + column] == (ring != 2), "finder at \(top),\(left)")
                }
            }
        }
        #expect(throws: QRCode.Failure.notEncodable) { try QRCode.modules(String(repeating: "x", count: 2000)) }
        #expect(
            try QRCode.svg("a\"<b", label: "a \"quoted\" <label>").contains(
                #"aria-label="a &quot;quoted&quot; &lt;label>""#))
    }
}
