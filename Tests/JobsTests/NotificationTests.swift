import Foundation
import ImageSwissProtos
import RPC
import TestSupport
import Testing

/// Notifications end to end: a finished batch and the low balance it caused are told to the owner
/// once each — in the app and by mail in the account's language, with working links — and a
/// one-click unsubscribe stops the next mail of that kind but not the in-app notice.
@Suite(.serialized) struct NotificationTests {
    static let publicURL = "https://app.imageswiss.test"

    @Test func aFinishedBatchIsMailedOnceInTheUsersLanguageUntilUnsubscribed() async throws {
        let jobs = try await JobsStack.start([
            "AUTH_PUBLIC_URL": Self.publicURL, "AUTH_MAIL_POLL_MS": "100", "JOBS_NOTICE_INTERVAL_MS": "100",
        ])
        defer { Task { await jobs.stop() } }
        let folder = jobs.stack.scratch + "/mail"
        // 3 promotional credits and the free tier's 3: two 1-credit resizes cross Billing's
        // low-balance threshold of 5.
        let user = try await jobs.user("zhang@imageswiss.test", credits: 3)
        #expect(
            try await jobs.http.call("PATCH", "/api/v1/me", json: ["locale": "zh-CN"], bearer: user.access).status
                == 200)

        // Mail goes only to a confirmed address: confirm it by the link of the verification mail.
        let verification = try #require(try await MailFolder.read(folder, atLeast: 1).first)
        let verifyToken = try #require(Self.value(after: Self.publicURL + "/#/verify?token=", in: verification))
        #expect(
            try await jobs.http.call("POST", "/api/v1/auth/verify-email", json: ["token": verifyToken]).status == 200)

        let first = try await self.finishedBatch(jobs, user.access)
        let mails = try await Self.notificationMails(folder, count: 2)
        let batchMail = try #require(mails.first { Self.kind(of: $0) == "batch_completed" })
        let lowMail = try #require(mails.first { Self.kind(of: $0) == "credits_low" })
        #expect(MailFolder.decoded(MailFolder.header("Subject", in: batchMail) ?? "") == "您的图片已处理完成")
        #expect(batchMail.contains("共 2 张图片，已成功处理 2 张"), "\(batchMail)")
        #expect(batchMail.contains(Self.publicURL + "/#/batch/" + first), "the mail links to the batch")
        #expect(batchMail.contains("Content-Type: text/html; charset=utf-8"), "an HTML part beside the text")
        #expect(MailFolder.header("List-Unsubscribe-Post", in: batchMail) == "List-Unsubscribe=One-Click")
        #expect(lowMail.contains("您还剩 4 积分"), "\(lowMail)")

        // In the app: both, unread, in the same words; the batch's counts as parameters.
        var list = try await jobs.http.call("GET", "/api/v1/notifications", bearer: user.access)
        var items = try #require(list.json["items"] as? [[String: Any]], "\(list.text)")
        #expect(Set(items.compactMap { $0["kind"] as? String }) == ["batch_completed", "credits_low"])
        #expect(list.json["unread_count"] as? Int == 2)
        let batchNotice = try #require(items.first { $0["kind"] as? String == "batch_completed" })
        #expect(batchNotice["title"] as? String == "您的图片已处理完成")
        #expect(batchNotice["link"] as? String == "/#/batch/" + first)
        #expect((batchNotice["params"] as? [String: String])?["failed"] == "0")

        // Reported again (Jobs resending after a lost answer): nothing new.
        let auth = try jobs.stack.rpcClient(for: "auth", peerName: "notification-tests")
        defer { Task { await auth.close() } }
        var again = AuthNotifyRequest()
        again.accountID = user.id
        again.kind = "batch_completed"
        again.eventKey = "batch:" + first
        again.params = ["batch_id": first, "total": "2", "succeeded": "2", "failed": "0"]
        let service = RPCCallOptions(metadata: [RPCMetadata.callerID: "jobs", RPCMetadata.callerRole: "service"])
        #expect(try await auth.unary(AuthMethods.notify, again, options: service).created == false)
        // Only services report events: a user naming themselves is refused.
        await #expect(throws: RPCError.self) {
            _ = try await auth.unary(AuthMethods.notify, again, options: JobsStack.as(user.id))
        }

        // One click from the mail client: a POST to the List-Unsubscribe address, no sign-in.
        let header = try #require(MailFolder.header("List-Unsubscribe", in: batchMail))
        let address = String(header.dropFirst().dropLast())
        #expect(address.hasPrefix(Self.publicURL + "/api/v1/notifications/unsubscribe?token="))
        let unsubscribed = try await jobs.http.call(
            "POST", String(address.dropFirst(Self.publicURL.count)), raw: Data("List-Unsubscribe=One-Click".utf8),
            headers: ["Content-Type": "application/x-www-form-urlencoded"])
        #expect(unsubscribed.status == 200, "\(unsubscribed.text)")
        #expect(unsubscribed.json["kind"] as? String == "batch_completed")
        let preferences = try await jobs.http.call("GET", "/api/v1/notifications/preferences", bearer: user.access)
        let chosen = (preferences.json["preferences"] as? [[String: Any]] ?? []).reduce(into: [String: Bool]()) {
            $0[$1["kind"] as? String ?? ""] = $1["mail"] as? Bool
        }
        // Only that kind stopped; a single job's failure is in-app only unless chosen; the rest mail.
        #expect(chosen["batch_completed"] == false && chosen["job_failed"] == false, "\(chosen)")
        #expect(chosen.filter { !["batch_completed", "job_failed"].contains($0.key) }.values.allSatisfy { $0 })
        #expect(chosen["credits_low"] == true)
        let forged = try await jobs.http.call(
            "POST", "/api/v1/notifications/unsubscribe?token=\(user.id).credits_low.AAAA", raw: Data())
        #expect(forged.status == 400 && forged.errorCode == "invalid_token", "\(forged.text)")

        // The next batch is told in the app only.
        let second = try await self.finishedBatch(jobs, user.access)
        let end = ContinuousClock.now + .seconds(10)
        repeat {
            list = try await jobs.http.call("GET", "/api/v1/notifications?unread=true", bearer: user.access)
            items = list.json["items"] as? [[String: Any]] ?? []
            if items.contains(where: { $0["link"] as? String == "/#/batch/" + second }) { break }
            try await Task.sleep(for: .milliseconds(100))
        } while ContinuousClock.now < end
        #expect(items.contains { $0["link"] as? String == "/#/batch/" + second }, "\(list.text)")
        try await Task.sleep(for: .milliseconds(500))
        #expect(try await Self.notificationMails(folder, count: 2).count == 2, "no mail after unsubscribing")

        let read = try await jobs.http.call(
            "POST", "/api/v1/notifications/read", json: ["all": true], bearer: user.access)
        #expect(read.json["unread_count"] as? Int == 0, "\(read.text)")
    }

    @Test func paymentsAreReceiptedWithTheirInvoiceAndAnEndingSubscriptionIsTold() async throws {
        let jobs = try await JobsStack.start([
            "AUTH_PUBLIC_URL": Self.publicURL, "AUTH_MAIL_POLL_MS": "100", "JOBS_NOTICE_INTERVAL_MS": "100",
        ])
        defer { Task { await jobs.stop() } }
        let folder = jobs.stack.scratch + "/mail"
        let user = try await jobs.user("buyer@imageswiss.test", credits: 0)
        let verification = try #require(try await MailFolder.read(folder, atLeast: 1).first)
        let verifyToken = try #require(Self.value(after: Self.publicURL + "/#/verify?token=", in: verification))
        #expect(
            try await jobs.http.call("POST", "/api/v1/auth/verify-email", json: ["token": verifyToken]).status == 200)

        let checkout = try await jobs.http.call(
            "POST", "/api/v1/billing/checkout", json: ["pack_id": "standard"], bearer: user.access)
        let checkoutID = try #require(checkout.json["id"] as? String, "\(checkout.text)")
        #expect(
            try await jobs.http.call("POST", "/api/v1/billing/checkout/\(checkoutID)/complete", bearer: user.access)
                .status == 200)

        let mail = try #require(try await Self.notificationMails(folder, count: 1).first)
        #expect(Self.kind(of: mail) == "receipt")
        #expect(MailFolder.header("Subject", in: mail) == "Your receipt")
        #expect(mail.contains("INV-000001"), "\(mail)")
        #expect(mail.contains("Content-Type: multipart/mixed"))
        #expect(mail.contains("Content-Disposition: attachment; filename=\"INV-000001.pdf\""))
        // The attachment is the invoice the app serves, byte for byte.
        let encoded = try #require(mail.components(separatedBy: "filename=\"INV-000001.pdf\"\r\n").last)
            .components(separatedBy: "\r\n\r\n").dropFirst().first?.components(separatedBy: "\r\n--").first
        let attached = try #require(Data(base64Encoded: encoded ?? "", options: .ignoreUnknownCharacters))
        #expect(attached.starts(with: Data("%PDF-".utf8)))
        let invoices = try await jobs.http.call("GET", "/api/v1/billing/invoices", bearer: user.access)
        let invoice = try #require((invoices.json["items"] as? [[String: Any]])?.first, "\(invoices.text)")
        let pdf = try await jobs.http.call(
            "GET", "/api/v1/billing/invoices/\(invoice["id"] as? String ?? "")/pdf", bearer: user.access)
        #expect(pdf.status == 200 && pdf.body == attached)

        let list = try await jobs.http.call("GET", "/api/v1/notifications", bearer: user.access)
        let notice = try #require((list.json["items"] as? [[String: Any]])?.first, "\(list.text)")
        #expect(notice["kind"] as? String == "receipt" && notice["link"] as? String == "/#/billing")
        #expect((notice["body"] as? String ?? "").contains("INV-000001"), "\(notice)")

        // A subscription period is a payment too; choosing Free again ends it with the period.
        let subscribed = try await jobs.http.call(
            "PUT", "/api/v1/billing/subscription", json: ["tier": "remember"], bearer: user.access)
        #expect(subscribed.status == 200, "\(subscribed.text)")
        // Its next period is a renewal, and the receipt says so.
        try await jobs.billingDatabase.execute(
            "UPDATE subscriptions SET period_end = now() WHERE account_id = $1", [user.id])
        let renewal = try #require(try await Self.notificationMails(folder, count: 3).last)
        #expect(MailFolder.header("Subject", in: renewal) == "Your subscription was renewed", "\(renewal)")
        #expect(renewal.contains("filename=\"INV-000003.pdf\""))
        let cancelled = try await jobs.http.call(
            "PUT", "/api/v1/billing/subscription", json: ["tier": "free"], bearer: user.access)
        #expect(cancelled.status == 200, "\(cancelled.text)")
        let mails = try await Self.notificationMails(folder, count: 4)
        #expect(mails.compactMap(Self.kind) == ["receipt", "receipt", "receipt", "subscription_ending"])
        let ending = try #require(mails.last)
        #expect(MailFolder.header("Subject", in: ending) == "Your subscription is ending")
        #expect(ending.contains("Your Remember subscription ends on 20"), "\(ending)")
        #expect(mails[1].contains("filename=\"INV-000002.pdf\""), "the period's receipt has its own invoice")
    }

    /// Uploads two photos, resizes them as a batch and waits until it is final; answers its id.
    private func finishedBatch(_ jobs: JobsStack, _ token: String) async throws -> String {
        let photos = [try await jobs.upload(token), try await jobs.upload(token, width: 800, height: 600)]
        return try await jobs.http.succeededBatch(
            photos, steps: [["operation": "resize", "parameters": ["width": 64]]], token: token)
    }

    /// The notification mails so far (those with a List-Unsubscribe header), waiting for `count`.
    private static func notificationMails(_ folder: String, count: Int) async throws -> [String] {
        let end = ContinuousClock.now + .seconds(10)
        while true {
            let mails = try await MailFolder.read(folder, atLeast: 0).filter {
                MailFolder.header("List-Unsubscribe", in: $0) != nil
            }
            if mails.count >= count || ContinuousClock.now > end { return mails }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// The kind a notification mail's unsubscribe token names (`<account>.<kind>.<mac>`).
    private static func kind(of mail: String) -> String? {
        guard let header = MailFolder.header("List-Unsubscribe", in: mail),
            let token = header.components(separatedBy: "token=").last
        else { return nil }
        let parts = token.split(separator: ".")
        return parts.count == 3 ? String(parts[1]) : nil
    }

    private static func value(after prefix: String, in text: String) -> String? {
        guard let range = text.range(of: prefix) else { return nil }
        return String(text[range.upperBound...].prefix { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
    }
}
