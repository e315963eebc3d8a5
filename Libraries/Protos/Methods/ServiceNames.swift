/// The full protobuf names of the services, as health checks and method paths use them.
public enum ServiceNames {
    public static let edge = "imageswiss.edge.v1.Edge"
    public static let auth = "imageswiss.auth.v1.Auth"
    public static let billing = "imageswiss.billing.v1.Billing"
    public static let jobs = "imageswiss.jobs.v1.Jobs"
    public static let imageOps = "imageswiss.imageops.v1.ImageOps"
    public static let storage = "imageswiss.storage.v1.Storage"
}
