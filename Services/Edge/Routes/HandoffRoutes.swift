import Foundation
import HTTPTypes
import Hummingbird
import ImageSwissProtos
import QRCode
import RPC

/// /api/v1/handoffs: desktop → phone hand-offs. A signed-in desktop makes one and shows its link as
/// a QR code (drawn here, libqrencode); the phone opens the link once and gets an upload-only API
/// key until the hand-off ends (Auth's Handoffs.swift); the desktop sees whether it was opened.
struct HandoffRoutes {
    let auth: RPCClient

    func add(to router: Router<EdgeRequestContext>) {
        router.post("api/v1/handoffs/redeem", use: self.redeemHandoff)
        let handoffs = router.group("api/v1/handoffs").requiring(.session)
        handoffs.post(use: self.createHandoff)
        handoffs.get(":id", use: self.getHandoff)
    }

    @Sendable func createHandoff(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        var call = AuthCreateHandoffRequest()
        call.idempotencyKey = Idempotency.key(request)
        let handoff = try await self.auth.unary(
            AuthMethods.createHandoff, call, options: EdgeCalls.options(context, caller))
        // A replay has no link (it is shown once), so no code either.
        let code = handoff.link.isEmpty ? nil : try QRCode.svg(handoff.link, label: "Code to open on your phone")
        return try JSONAnswer.response(
            HandoffJSON(handoff, qrSVG: code), status: .created, request: request, context: context)
    }

    @Sendable func getHandoff(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        var call = AuthGetHandoffRequest()
        call.handoffID = try context.parameters.require("id")
        let handoff = try await self.auth.unary(
            AuthMethods.getHandoff, call, options: EdgeCalls.options(context, caller))
        return try JSONAnswer.response(HandoffJSON(handoff, qrSVG: nil), request: request, context: context)
    }

    /// The phone, not signed in: the link's token for an upload-only key.
    @Sendable func redeemHandoff(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        var call = AuthRedeemHandoffRequest()
        call.token = try await request.decode(as: TokenBody.self, context: context).token
        let redeemed = try await self.auth.unary(AuthMethods.redeemHandoff, call, options: EdgeCalls.options(context))
        return try JSONAnswer.response(RedeemedHandoffJSON(redeemed), request: request, context: context)
    }
}
