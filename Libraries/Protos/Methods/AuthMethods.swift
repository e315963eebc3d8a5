import RPC

/// The calls of imageswiss.auth.v1.Auth. Reads are idempotent (retried on a lost connection);
/// writes are not retried by the client: they carry idempotency keys or are safe to repeat by hand.
public enum AuthMethods {
    private static func method<Request, Response>(_ name: String, idempotent: Bool = false) -> RPCMethod<
        Request, Response
    > {
        RPCMethod("\(ServiceNames.auth)/\(name)", idempotent: idempotent)
    }

    public static let register: RPCMethod<AuthRegisterRequest, AuthAccount> = method("Register")
    public static let signIn: RPCMethod<AuthSignInRequest, AuthSignInResponse> = method("SignIn")
    public static let refresh: RPCMethod<AuthRefreshRequest, AuthTokenPair> = method("Refresh")
    public static let signOut: RPCMethod<AuthSignOutRequest, AuthDone> = method("SignOut")
    public static let getPublicKeys: RPCMethod<AuthGetPublicKeysRequest, AuthGetPublicKeysResponse> = method(
        "GetPublicKeys", idempotent: true)
    public static let getAccount: RPCMethod<AuthGetAccountRequest, AuthAccount> = method("GetAccount", idempotent: true)
    public static let updateProfile: RPCMethod<AuthUpdateProfileRequest, AuthAccount> = method("UpdateProfile")
    public static let changePassword: RPCMethod<AuthChangePasswordRequest, AuthDone> = method("ChangePassword")
    public static let deleteAccount: RPCMethod<AuthDeleteAccountRequest, AuthDone> = method("DeleteAccount")
    public static let exportAccount: RPCMethod<AuthExportAccountRequest, AuthExportAccountResponse> = method(
        "ExportAccount", idempotent: true)
    public static let getSignInHistory: RPCMethod<AuthSignInHistoryRequest, AuthSignInHistory> = method(
        "GetSignInHistory", idempotent: true)
    public static let requestEmailVerification: RPCMethod<AuthEmailRequest, AuthDone> = method(
        "RequestEmailVerification")
    public static let confirmEmail: RPCMethod<AuthConfirmEmailRequest, AuthDone> = method("ConfirmEmail")
    public static let requestPasswordReset: RPCMethod<AuthEmailRequest, AuthDone> = method("RequestPasswordReset")
    public static let resetPassword: RPCMethod<AuthResetPasswordRequest, AuthDone> = method("ResetPassword")
    public static let createApiKey: RPCMethod<AuthCreateApiKeyRequest, AuthCreateApiKeyResponse> = method(
        "CreateApiKey")
    public static let listApiKeys: RPCMethod<AuthListApiKeysRequest, AuthListApiKeysResponse> = method(
        "ListApiKeys", idempotent: true)
    public static let revokeApiKey: RPCMethod<AuthRevokeApiKeyRequest, AuthDone> = method("RevokeApiKey")
    public static let getApiKeyUsage: RPCMethod<AuthGetApiKeyUsageRequest, AuthApiKeyUsageResponse> = method(
        "GetApiKeyUsage", idempotent: true)
    /// Not retried by the client: a repeated report would count twice.
    public static let recordApiKeyUsage: RPCMethod<AuthRecordApiKeyUsageRequest, AuthDone> = method(
        "RecordApiKeyUsage")
    public static let verifyApiKey: RPCMethod<AuthVerifyApiKeyRequest, CommonCaller> = method(
        "VerifyApiKey", idempotent: true)
    public static let createHandoff: RPCMethod<AuthCreateHandoffRequest, AuthHandoff> = method("CreateHandoff")
    public static let getHandoff: RPCMethod<AuthGetHandoffRequest, AuthHandoff> = method("GetHandoff", idempotent: true)
    /// Not retried: a link opens once, and a retry of an opening that ran would be refused.
    public static let redeemHandoff: RPCMethod<AuthRedeemHandoffRequest, AuthRedeemHandoffResponse> = method(
        "RedeemHandoff")
    public static let listUsers: RPCMethod<AuthListUsersRequest, AuthListUsersResponse> = method(
        "ListUsers", idempotent: true)
    public static let setUserState: RPCMethod<AuthSetUserStateRequest, AuthAccount> = method("SetUserState")
    public static let listAudit: RPCMethod<AuthListAuditRequest, AuthListAuditResponse> = method(
        "ListAudit", idempotent: true)
    public static let listOAuthProviders: RPCMethod<AuthListOAuthProvidersRequest, AuthListOAuthProvidersResponse> =
        method("ListOAuthProviders", idempotent: true)
    public static let oauthStart: RPCMethod<AuthOAuthStartRequest, AuthOAuthStartResponse> = method("OAuthStart")
    public static let oauthFinish: RPCMethod<AuthOAuthFinishRequest, AuthSignInResponse> = method("OAuthFinish")
    public static let rotateSigningKey: RPCMethod<AuthRotateSigningKeyRequest, AuthPublicKey> = method(
        "RotateSigningKey")
    // Notifications: each is safe to repeat (Notify by its event key, the others set a state).
    public static let notify: RPCMethod<AuthNotifyRequest, AuthNotifyResponse> = method("Notify", idempotent: true)
    public static let listNotifications: RPCMethod<AuthListNotificationsRequest, AuthListNotificationsResponse> =
        method("ListNotifications", idempotent: true)
    public static let markNotificationsRead: RPCMethod<AuthMarkNotificationsReadRequest, AuthUnreadCount> = method(
        "MarkNotificationsRead", idempotent: true)
    public static let getNotificationPreferences:
        RPCMethod<AuthGetNotificationPreferencesRequest, AuthNotificationPreferences> = method(
            "GetNotificationPreferences", idempotent: true)
    public static let setNotificationPreferences: RPCMethod<AuthNotificationPreferences, AuthNotificationPreferences> =
        method(
            "SetNotificationPreferences", idempotent: true)
    public static let unsubscribe: RPCMethod<AuthUnsubscribeRequest, AuthUnsubscribeResponse> = method(
        "Unsubscribe", idempotent: true)
    // Teams: reads are idempotent; every change is safe to repeat by hand (CreateTeam by its key).
    public static let createTeam: RPCMethod<AuthCreateTeamRequest, AuthTeam> = method("CreateTeam")
    public static let listTeams: RPCMethod<AuthListTeamsRequest, AuthListTeamsResponse> = method(
        "ListTeams", idempotent: true)
    public static let listAllTeams: RPCMethod<AuthListAllTeamsRequest, AuthListAllTeamsResponse> = method(
        "ListAllTeams", idempotent: true)
    public static let getTeam: RPCMethod<AuthGetTeamRequest, AuthTeam> = method("GetTeam", idempotent: true)
    public static let inviteToTeam: RPCMethod<AuthInviteToTeamRequest, AuthTeamInvitation> = method("InviteToTeam")
    public static let cancelTeamInvitation: RPCMethod<AuthCancelTeamInvitationRequest, AuthDone> = method(
        "CancelTeamInvitation")
    public static let acceptTeamInvitation: RPCMethod<AuthAcceptTeamInvitationRequest, AuthTeam> = method(
        "AcceptTeamInvitation")
    public static let setTeamMember: RPCMethod<AuthSetTeamMemberRequest, AuthTeamMember> = method("SetTeamMember")
    public static let removeTeamMember: RPCMethod<AuthRemoveTeamMemberRequest, AuthDone> = method("RemoveTeamMember")
    public static let deleteTeam: RPCMethod<AuthDeleteTeamRequest, AuthDone> = method("DeleteTeam")
}
