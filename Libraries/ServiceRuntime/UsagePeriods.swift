/// The periods a user's usage is read over, in days — Billing's credits, Jobs' jobs and files,
/// Auth's API calls — so the edge can put them side by side.
public enum UsagePeriods {
    public static let days: Set<UInt32> = [7, 30, 90]
    public static let defaultDays: UInt32 = 30
}
