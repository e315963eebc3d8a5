import Foundation
import ImageSwissProtos
import Testing

@testable import TestSupport

/// Teams through the edge with every service running: an owner buys the team's credits, invites a
/// member by mail with a monthly limit, the member spends from the team's balance until the limit
/// refuses (nothing held, the member's own credits untouched), racing submissions cannot pass it,
/// and leaving ends the spending. Another user's team is a 404 everywhere.
@Suite(.serialized)
struct TeamTests {
    static let publicURL = "http://app.imageswiss.test"

    @Test func aTeamSpendsFromOneBalanceWithinEachMembersLimit() async throws {
        let jobs = try await JobsStack.start([
            "AUTH_PUBLIC_URL": Self.publicURL, "AUTH_MAIL_POLL_MS": "100", "JOBS_NOTICE_INTERVAL_MS": "100",
        ])
        defer { Task { await jobs.stop() } }
        let http = jobs.http
        let folder = jobs.stack.scratch + "/mail"
        let owner = try await jobs.user("owner@imageswiss.test", credits: 0)
        let member = try await jobs.user("member@imageswiss.test", credits: 5)
        let outsider = try await jobs.user("outsider@imageswiss.test", credits: 0)
        let memberOwn = try await jobs.balance(member.id).total

        // The owner creates the team and buys its credits (the local provider: development).
        let created = try await http.call("POST", "/api/v1/teams", json: ["name": "Studio Nord"], bearer: owner.access)
        #expect(created.status == 201 && created.json["role"] as? String == "owner", "\(created.text)")
        let team = try #require(created.json["id"] as? String)
        let checkout = try await http.call(
            "POST", "/api/v1/teams/\(team)/billing/checkout", json: ["pack_id": "standard"], bearer: owner.access)
        let checkoutID = try #require(checkout.json["id"] as? String, "\(checkout.text)")
        let paid = try await http.call(
            "POST", "/api/v1/teams/\(team)/billing/checkout/\(checkoutID)/complete", bearer: owner.access)
        #expect(paid.status == 200, "\(paid.text)")
        #expect(try await jobs.balance(team).total == 30, "the pack went to the team's account")
        #expect(try await jobs.balance(owner.id).total == 3, "not to the owner's own (Free's 3)")
        let invoices = try await http.call("GET", "/api/v1/teams/\(team)/billing/invoices", bearer: owner.access)
        #expect((invoices.json["items"] as? [[String: Any]])?.count == 1, "the team's invoice: \(invoices.text)")

        // The team's receipt is told to its owner, titled with the team and linking to its page.
        try await Self.waitUntil {
            let list = try await http.call("GET", "/api/v1/notifications", bearer: owner.access)
            return (list.json["items"] as? [[String: Any]] ?? []).contains {
                $0["kind"] as? String == "receipt" && $0["link"] as? String == "/#/teams/\(team)"
                    && ($0["title"] as? String ?? "").hasPrefix("Studio Nord: ")
            }
        }

        // Someone else's team does not exist for them.
        for path in ["/api/v1/teams/\(team)", "/api/v1/teams/\(team)/billing/balance"] {
            let reply = try await http.call("GET", path, bearer: outsider.access)
            #expect(reply.status == 404, "\(path): \(reply.status) \(reply.text)")
        }
        let photo = try await jobs.upload(outsider.access, width: 640, height: 480)
        let stolen = try await http.call(
            "POST", "/api/v1/jobs", json: Self.resize(photo, team: team), bearer: outsider.access)
        #expect(stolen.status == 404 && stolen.errorCode == "not_found", "\(stolen.text)")

        // An invitation by mail, with a limit of 2 credits a month; only its address can use it.
        let invited = try await http.call(
            "POST", "/api/v1/teams/\(team)/invitations",
            json: ["email": "Member@imageswiss.test", "monthly_limit": 2], bearer: owner.access)
        #expect(
            invited.status == 201 && invited.json["email"] as? String == "member@imageswiss.test", "\(invited.text)")
        let token = try #require(try await Self.invitationToken(folder))
        let wrongPerson = try await http.call(
            "POST", "/api/v1/teams/join", json: ["token": token], bearer: outsider.access)
        #expect(wrongPerson.status == 403 && wrongPerson.errorCode == "invitation_for_another_address")
        let joined = try await http.call("POST", "/api/v1/teams/join", json: ["token": token], bearer: member.access)
        #expect(joined.status == 200 && joined.json["role"] as? String == "member", "\(joined.text)")
        #expect(joined.json["monthly_limit"] as? Int == 2)
        let again = try await http.call("POST", "/api/v1/teams/join", json: ["token": token], bearer: member.access)
        #expect(again.status == 400 && again.errorCode == "invalid_token", "the link works once")

        // A member reads the balance but not the team's ledger.
        #expect(
            try await http.call("GET", "/api/v1/teams/\(team)/billing/balance", bearer: member.access).status == 200)
        let ledger = try await http.call("GET", "/api/v1/teams/\(team)/billing/history", bearer: member.access)
        #expect(ledger.status == 403 && ledger.errorCode == "team_admins_only", "\(ledger.text)")

        // Two 1-credit resizes from the team's balance: the team pays, the member's own stays.
        let pictures = [
            try await jobs.upload(member.access, width: 640, height: 480),
            try await jobs.upload(member.access, width: 800, height: 600),
        ]
        let quote = try await http.call(
            "POST", "/api/v1/batches/quote", json: Self.resize(pictures, team: team), bearer: member.access)
        #expect(quote.json["available_credits"] as? Int == 30, "the quote shows the team's credits: \(quote.text)")
        let batch = try await http.call(
            "POST", "/api/v1/batches", json: Self.resize(pictures, team: team), bearer: member.access)
        let batchID = try #require(batch.json["id"] as? String, "\(batch.text)")
        try await Self.waitForBatch(batchID, jobs: jobs, token: member.access)
        let teamJobs = try await http.call("GET", "/api/v1/batches/\(batchID)/jobs", bearer: member.access)
        #expect(
            (teamJobs.json["items"] as? [[String: Any]])?.allSatisfy { $0["team_id"] as? String == team } == true,
            "\(teamJobs.text)")
        try await Self.waitUntil { try await jobs.balance(team).total == 28 }
        #expect(try await jobs.balance(member.id).total == memberOwn)

        // The third credit this month is over the limit: refused, nothing held or written.
        let third = try await jobs.upload(member.access, width: 640, height: 480)
        let over = try await http.call(
            "POST", "/api/v1/jobs", json: Self.resize(third, team: team), bearer: member.access)
        #expect(over.status == 429 && over.errorCode == "member_limit_reached", "\(over.status) \(over.text)")
        let afterRefusal = try await jobs.balance(team)
        #expect(afterRefusal.total == 28 && afterRefusal.held == 0)
        // Without the team the member pays from their own credits as before.
        let own = try await http.call("POST", "/api/v1/jobs", json: Self.resize(third), bearer: member.access)
        #expect(own.status == 201, "\(own.text)")

        // A member cannot raise their own limit; the owner can. Three racing submissions against one
        // credit left under the limit: exactly one is held.
        let selfRaise = try await http.call(
            "PATCH", "/api/v1/teams/\(team)/members/\(member.id)", json: ["monthly_limit": 100], bearer: member.access)
        #expect(selfRaise.status == 403 && selfRaise.errorCode == "team_admins_only", "\(selfRaise.text)")
        let raised = try await http.call(
            "PATCH", "/api/v1/teams/\(team)/members/\(member.id)", json: ["monthly_limit": 3], bearer: owner.access)
        #expect(raised.status == 200 && raised.json["monthly_limit"] as? Int == 3, "\(raised.text)")
        var racers: [String] = []
        for _ in 0..<3 { racers.append(try await jobs.upload(member.access, width: 640, height: 480)) }
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for racer in racers {
                group.addTask {
                    try await http.call(
                        "POST", "/api/v1/jobs", json: Self.resize(racer, team: team), bearer: member.access
                    )
                    .status
                }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(statuses.sorted() == [201, 429, 429], "\(statuses)")

        // The team's page: balance and this month's spending, everyone's for the owner, one's own for a member.
        try await Self.waitUntil { try await jobs.balance(team).held == 0 }
        let seenByOwner = try await http.call("GET", "/api/v1/teams/\(team)", bearer: owner.access)
        let members = try #require(seenByOwner.json["members"] as? [[String: Any]], "\(seenByOwner.text)")
        #expect(members.first { $0["account_id"] as? String == member.id }?["spent_this_month"] as? Int == 3)
        #expect((seenByOwner.json["balance"] as? [String: Any])?["total"] as? Int == 27)
        #expect((seenByOwner.json["invitations"] as? [Any])?.isEmpty == true)
        let seenByMember = try await http.call("GET", "/api/v1/teams/\(team)", bearer: member.access)
        #expect(seenByMember.json["spent_this_month"] as? Int == 3)
        let others = (seenByMember.json["members"] as? [[String: Any]] ?? []).filter {
            $0["account_id"] as? String != member.id
        }
        #expect(others.allSatisfy { $0["spent_this_month"] == nil }, "a member sees only their own spending")
        #expect(seenByMember.json["invitations"] == nil)

        // Files stay their owner's unless shared: the member shares one picture with the team, the
        // owner then lists and reads it there (and nothing else of the member's); unshared, it is gone.
        let shared = pictures[0]
        #expect(try await http.call("GET", "/api/v1/teams/\(team)/files/\(shared)", bearer: owner.access).status == 404)
        let notMine = try await http.call(
            "POST", "/api/v1/files/\(photo)/share", json: ["team_id": team], bearer: member.access)
        #expect(notMine.status == 404, "another's file cannot be shared: \(notMine.text)")
        let outsiderShares = try await http.call(
            "POST", "/api/v1/files/\(photo)/share", json: ["team_id": team], bearer: outsider.access)
        #expect(outsiderShares.status == 404, "not a team of the outsider's: \(outsiderShares.text)")
        let sharing = try await http.call(
            "POST", "/api/v1/files/\(shared)/share", json: ["team_id": team], bearer: member.access)
        #expect(sharing.status == 200, "\(sharing.text)")
        let teamFiles = try await http.call("GET", "/api/v1/teams/\(team)/files", bearer: owner.access)
        #expect(
            (teamFiles.json["items"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [shared],
            "\(teamFiles.text)")
        let original = try await http.call("GET", "/api/v1/files/\(shared)/content", bearer: member.access)
        let read = try await http.call("GET", "/api/v1/teams/\(team)/files/\(shared)/content", bearer: owner.access)
        #expect(read.status == 200 && read.body == original.body && !read.body.isEmpty)
        #expect(
            try await http.call("GET", "/api/v1/teams/\(team)/files/\(pictures[1])/content", bearer: owner.access)
                .status == 404, "an unshared file of the member's")
        #expect(
            try await http.call("GET", "/api/v1/teams/\(team)/files/\(shared)/content", bearer: outsider.access)
                .status == 404)
        #expect(try await http.call("DELETE", "/api/v1/files/\(shared)", bearer: owner.access).status == 404)
        #expect(
            try await http.call("DELETE", "/api/v1/files/\(shared)/share/\(team)", bearer: member.access).status == 204)
        #expect(
            try await http.call("GET", "/api/v1/teams/\(team)/files/\(shared)", bearer: owner.access).status == 404)
        // Shared again, then the member leaves (below): their shares go with them.
        #expect(
            try await http.call(
                "POST", "/api/v1/files/\(shared)/share", json: ["team_id": team], bearer: member.access
            ).status == 200)

        // Leaving keeps one's own credits and ends the spending; the owner cannot leave, and a team
        // with credits is not deleted.
        let ownBefore = try await jobs.balance(member.id).total
        #expect(
            try await http.call("DELETE", "/api/v1/teams/\(team)/members/\(member.id)", bearer: member.access).status
                == 204)
        let afterLeaving = try await http.call(
            "POST", "/api/v1/jobs", json: Self.resize(racers[0], team: team), bearer: member.access)
        #expect(afterLeaving.status == 404, "\(afterLeaving.text)")
        #expect(try await jobs.balance(member.id).total == ownBefore)
        let afterLeavingFiles = try await http.call("GET", "/api/v1/teams/\(team)/files", bearer: owner.access)
        #expect((afterLeavingFiles.json["items"] as? [Any])?.isEmpty == true, "\(afterLeavingFiles.text)")
        #expect(try await http.call("GET", "/api/v1/files/\(shared)", bearer: member.access).status == 200)
        let ownerLeaves = try await http.call(
            "DELETE", "/api/v1/teams/\(team)/members/\(owner.id)", bearer: owner.access)
        #expect(ownerLeaves.status == 400 || ownerLeaves.status == 409, "\(ownerLeaves.status) \(ownerLeaves.text)")
        let deleted = try await http.call("DELETE", "/api/v1/teams/\(team)", bearer: owner.access)
        #expect(deleted.status == 409 && deleted.errorCode == "team_has_credits", "\(deleted.text)")
        for account in [team, owner.id, member.id] {
            #expect(try await LedgerInvariants.hold(for: account, in: jobs.billingDatabase))
        }
    }

    static func resize(_ input: String, team: String? = nil) -> [String: Any] {
        var body: [String: Any] = [
            "input_file_id": input, "steps": [["operation": "resize", "parameters": ["width": 64]]],
        ]
        if let team { body["team_id"] = team }
        return body
    }

    static func resize(_ inputs: [String], team: String) -> [String: Any] {
        ["input_file_ids": inputs, "steps": [["operation": "resize", "parameters": ["width": 64]]], "team_id": team]
    }

    /// The token of the invitation link in the newest mail.
    static func invitationToken(_ folder: String) async throws -> String? {
        let prefix = Self.publicURL + "/#/teams/join?token="
        let end = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < end {
            for mail in try await MailFolder.read(folder, atLeast: 0) {
                guard let range = mail.range(of: prefix) else { continue }
                return String(mail[range.upperBound...].prefix { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        return nil
    }

    static func waitForBatch(_ id: String, jobs: JobsStack, token: String) async throws {
        try await Self.waitUntil {
            try await jobs.http.call("GET", "/api/v1/batches/\(id)", bearer: token).json["status"] as? String
                == "succeeded"
        }
    }

    static func waitUntil(_ condition: () async throws -> Bool) async throws {
        let end = ContinuousClock.now + .seconds(30)
        while try await !condition() {
            guard ContinuousClock.now < end else { throw TestSupportError("condition not met in 30 s") }
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}
