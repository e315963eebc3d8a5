import ImageSwissProtos

struct HandoffJSON: Encodable {
    let id: String
    let createdAt, expiresAt, redeemedAt: String?
    /// Only in the answer to its creation: the link for the phone and the same link as a QR code.
    let link, qrSVG: String?

    init(_ handoff: AuthHandoff, qrSVG: String?) {
        self.id = handoff.handoffID
        (self.createdAt, self.expiresAt) = (rfc3339(handoff.createdAt), rfc3339(handoff.expiresAt))
        self.redeemedAt = handoff.hasRedeemedAt ? rfc3339(handoff.redeemedAt) : nil
        self.link = handoff.link.isEmpty ? nil : handoff.link
        self.qrSVG = qrSVG
    }

    enum CodingKeys: String, CodingKey {
        case id, link
        case createdAt = "created_at"
        case expiresAt = "expires_at"
        case redeemedAt = "redeemed_at"
        case qrSVG = "qr_svg"
    }
}

struct RedeemedHandoffJSON: Encodable {
    let handoffID, apiKey: String
    let expiresAt: String?

    init(_ redeemed: AuthRedeemHandoffResponse) {
        (self.handoffID, self.apiKey, self.expiresAt) = (
            redeemed.handoffID, redeemed.apiKey, rfc3339(redeemed.expiresAt)
        )
    }

    enum CodingKeys: String, CodingKey {
        case handoffID = "handoff_id"
        case apiKey = "api_key"
        case expiresAt = "expires_at"
    }
}
