import Crypto
import Foundation
import ImageSwissProtos
import Postgres
import RPC
import TestSupport
import Testing

/// URL transformations through the edge, as a developer's page uses them: links signed with the
/// owner's key (here as a developer's own code signs them), computed and charged once, then served
/// from cache; refused cleanly for bad links, other owners' files and empty balances; gone with
/// the file.
@Suite("URL transformations", .serialized)
struct TransformationTests {
    /// What a developer's code does: HMAC-SHA256 keyed by the secret's text over the path after the
    /// signature, base64url without padding.
    static func link(_ path: String, secret: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: Data(path.utf8), using: SymmetricKey(data: Data(secret.utf8)))
        let signature = Data(code).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        return "/t/\(signature)\(path)"
    }

    func captures(_ stack: JobsStack, _ account: String) async throws -> Int {
        try await stack.count(
            "SELECT count(*) FROM holds WHERE account_id = $1 AND operation = 'transform' AND state = 'captured'",
            [account], billing: true)
    }

    func derivatives(_ stack: JobsStack, of file: String) async throws -> [PostgresRow] {
        try await stack.stack.database(for: "storage").query(
            """
            SELECT d.transform, b.content_type, b.width, b.height FROM derivatives d JOIN blobs b ON b.id = d.blob_id
            WHERE d.source_id = $1::uuid ORDER BY d.transform
            """,
            [file])
    }

    @Test func aSignedLinkIsComputedOnceChargedOnceAndThenServedFromCache() async throws {
        // The edge keeps answers this long (EDGE_TRANSFORM_CACHE_MS): a deleted key's links stop after it.
        let stack = try await JobsStack.start(["EDGE_TRANSFORM_CACHE_MS": "1000"])
        do {
            let owner = try await stack.user("owner@transform.test", credits: 100)
            let file = try await stack.upload(owner.access, width: 1200, height: 900)
            let created = try await stack.http.call("POST", "/api/v1/transformations/keys", bearer: owner.access)
            #expect(created.status == 201)
            let secret = try #require(created.json["secret"] as? String)
            #expect(secret.hasPrefix("itk_"))
            let listed = try await stack.http.call("GET", "/api/v1/transformations/keys", bearer: owner.access)
            let keys = try #require(listed.json["keys"] as? [[String: Any]])
            #expect(
                keys.count == 1 && keys[0]["secret"] == nil
                    && keys[0]["secret_hint"] as? String == "…" + secret.suffix(4))

            // First request: computed, stored, charged.
            let url = Self.link("/rs:fill:300:200/q:80/\(file).webp", secret: secret)
            let before = try await stack.balance(owner.id).total
            let first = try await stack.http.call("GET", url)
            #expect(first.status == 200, "\(first.text)")
            #expect(first.headers["content-type"] == "image/webp")
            #expect(first.headers["cache-control"] == "public, max-age=31536000, immutable")
            #expect(first.body.prefix(4) == Data("RIFF".utf8) && first.body.dropFirst(8).prefix(4) == Data("WEBP".utf8))
            let charged = before - (try await stack.balance(owner.id).total)
            #expect(charged > 0)
            let made = try await self.derivatives(stack, of: file)
            #expect(made.count == 1)
            #expect(try made[0].decode("transform", as: String.self) == "rs:fill:300:200/q:80/f:webp")
            #expect(try made[0].decode("width", as: Int.self) == 300 && made[0].decode("height", as: Int.self) == 200)

            // Later requests: the same bytes and ETag from cache, never charged again; 304 on a match.
            let etag = try #require(first.headers["etag"])
            for _ in 0..<3 {
                let again = try await stack.http.call("GET", url)
                #expect(again.status == 200 && again.body == first.body && again.headers["etag"] == etag)
            }
            let conditional = try await stack.http.call("GET", url, headers: ["If-None-Match": etag])
            #expect(conditional.status == 304)
            #expect(try await stack.balance(owner.id).total == before - charged)
            #expect(try await self.captures(stack, owner.id) == 1)

            // Eight requests racing for a new derivative: one derivative, one charge.
            let racing = Self.link("/rs:fit:256:0/\(file).png", secret: secret)
            let answers = try await withThrowingTaskGroup(of: HTTPReply.self) { group in
                for _ in 0..<8 { group.addTask { try await stack.http.call("GET", racing) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(answers.allSatisfy { $0.status == 200 }, "\(answers.map(\.status))")
            #expect(Set(answers.compactMap { $0.headers["etag"] }).count == 1)
            #expect(try await self.captures(stack, owner.id) == 2)
            #expect(try await self.derivatives(stack, of: file).count == 2)

            // auto: by the Accept header, one derivative per format, Vary: Accept.
            let auto = Self.link("/w:200/f:auto/\(file)", secret: secret)
            let avif = try await stack.http.call("GET", auto, headers: ["Accept": "image/avif,image/webp,*/*"])
            #expect(
                avif.status == 200 && avif.headers["content-type"] == "image/avif" && avif.headers["vary"] == "Accept")
            let jpeg = try await stack.http.call("GET", auto, headers: ["Accept": "*/*"])
            #expect(jpeg.headers["content-type"] == "image/jpeg")
            #expect(try await self.captures(stack, owner.id) == 4)

            // Presets: the owner's named options; a link signed by the platform for the owner.
            let preset = try await stack.http.call(
                "PUT", "/api/v1/transformations/presets/thumb", json: ["options": "rs:fill:64:64/f:png"],
                bearer: owner.access)
            #expect(preset.status == 200, "\(preset.text)")
            let signed = try await stack.http.call(
                "POST", "/api/v1/files/\(file)/transformations", json: ["options": "pr:thumb"], bearer: owner.access)
            #expect(signed.status == 201, "\(signed.text)")
            let thumb = try await stack.http.call("GET", try #require(signed.json["path"] as? String))
            #expect(thumb.status == 200 && thumb.headers["content-type"] == "image/png")
            #expect(
                try await self.derivatives(stack, of: file).contains {
                    try $0.decode("transform", as: String.self) == "rs:fill:64:64/f:png"
                        && $0.decode("width", as: Int.self) == 64
                })

            // Refusals: nothing computed, nothing charged.
            let spent = try await stack.balance(owner.id).total
            let count = try await self.derivatives(stack, of: file).count
            var tampered = url
            tampered.replace("rs:fill:300:200", with: "rs:fill:301:200")
            let forged = try await stack.http.call("GET", tampered)
            #expect(forged.status == 403 && forged.errorCode == "invalid_signature")
            let malformed = try await stack.http.call("GET", Self.link("/rs:huge/\(file)", secret: secret))
            #expect(malformed.status == 400 && malformed.errorCode == "invalid_options")
            let tooBig = try await stack.http.call("GET", Self.link("/w:99999/\(file)", secret: secret))
            #expect(tooBig.status == 400 && tooBig.errorCode == "invalid_options")
            let unknown = try await stack.http.call(
                "GET", Self.link("/w:100/\(UUID().uuidString.lowercased())", secret: secret))
            #expect(unknown.status == 403 && unknown.errorCode == "invalid_signature")
            let notALink = try await stack.http.call("GET", "/t/abc/\(file)")
            #expect(notALink.status == 400 && notALink.errorCode == "invalid_link")
            // Another user's file, signed with the owner's key: not a link of that file's owner.
            let other = try await stack.user("other@transform.test", credits: 100)
            let theirs = try await stack.upload(other.access, width: 400, height: 300)
            let theirBalance = try await stack.balance(other.id).total
            let borrowed = try await stack.http.call("GET", Self.link("/w:100/\(theirs)", secret: secret))
            #expect(borrowed.status == 403 && borrowed.errorCode == "invalid_signature")
            #expect(try await stack.balance(owner.id).total == spent)
            #expect(try await stack.balance(other.id).total == theirBalance)
            #expect(try await self.derivatives(stack, of: file).count == count)
            #expect(try await self.derivatives(stack, of: theirs).isEmpty)

            // Rotation: a new key signs, the deleted one's links stop working.
            let second = try await stack.http.call("POST", "/api/v1/transformations/keys", bearer: owner.access)
            let newSecret = try #require(second.json["secret"] as? String)
            let oldID = try #require(keys[0]["id"] as? String)
            #expect(
                try await stack.http.call("GET", Self.link("/rs:fill:300:200/q:80/\(file).webp", secret: newSecret))
                    .status == 200)
            #expect(
                try await stack.http.call("DELETE", "/api/v1/transformations/keys/\(oldID)", bearer: owner.access)
                    .status == 204)
            try await Task.sleep(for: .milliseconds(1200))
            #expect(try await stack.http.call("GET", url).status == 403)
            #expect(
                try await stack.http.call("GET", Self.link("/rs:fill:300:200/q:80/\(file).webp", secret: newSecret))
                    .status == 200)

            // Deleting the file deletes its derivatives (rows and bytes).
            let listedFiles = try await stack.http.call("GET", "/api/v1/files", bearer: owner.access)
            #expect((listedFiles.json["items"] as? [Any])?.count == 1, "derivatives are not listed as files")
            #expect(try await stack.http.call("DELETE", "/api/v1/files/\(file)", bearer: owner.access).status == 204)
            #expect(try await self.derivatives(stack, of: file).isEmpty)
            #expect(try await stack.http.call("GET", Self.link("/w:100/\(file)", secret: newSecret)).status == 403)
            #expect(try await LedgerInvariants.hold(for: owner.id, in: stack.billingDatabase))
        } catch {
            await stack.stop()
            throw error
        }
        await stack.stop()
    }

    @Test func anOwnerWithoutCreditsGets402AndNothingIsStored() async throws {
        let stack = try await JobsStack.start()
        do {
            let poor = try await stack.user("poor@transform.test", credits: 0)
            let file = try await stack.upload(poor.access, width: 600, height: 400)
            // Spend the free tier's opening credits first.
            let balance = try await stack.balance(poor.id).available
            if balance > 0 {
                var spend = BillingSpendRequest()
                spend.amount = balance
                spend.idempotencyKey = UUID().uuidString
                _ = try await stack.billing.unary(BillingMethods.spend, spend, options: JobsStack.as(poor.id))
            }
            let signed = try await stack.http.call(
                "POST", "/api/v1/files/\(file)/transformations",
                json: ["options": "rs:fit:100:100", "extension": "webp"],
                bearer: poor.access)
            #expect(signed.status == 201, "\(signed.text)")
            let answer = try await stack.http.call("GET", try #require(signed.json["path"] as? String))
            #expect(answer.status == 402 && answer.errorCode == "insufficient_credits", "\(answer.text)")
            #expect(try await self.derivatives(stack, of: file).isEmpty)
            #expect(
                try await stack.count(
                    "SELECT count(*) FROM holds WHERE account_id = $1 AND state = 'open'", [poor.id], billing: true)
                    == 0)
        } catch {
            await stack.stop()
            throw error
        }
        await stack.stop()
    }
}
