import ArgumentParser

/// imageswiss-admin: an operator's repairs and questions, each an authenticated RPC to the service
/// that owns the data (never SQL on another service's database). It reads the stack's environment
/// like a service: `<SERVICE>_RPC_ADDRESSES` and `RPC_IDENTITY_KEY` (it signs as `admin-tool`, with
/// the caller role `admin`, as IMAGESWISS_ADMIN_ID or the nil UUID). `--json` prints the services' answers as JSON. docs/operations.md,
/// "When something goes wrong", uses it.
@main
struct AdminTool: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "imageswiss-admin",
        abstract: "Operate an ImageSwiss deployment over its internal RPC.",
        subcommands: [
            StatusCommand.self, GrantCommand.self, UserCommand.self, JobsCommand.self, WebhooksCommand.self,
            KeysCommand.self, CreateAdminCommand.self, SettlementsCommand.self, MigrateCommand.self,
        ])
}

/// What every command takes.
struct CommonOptions: ParsableArguments {
    @Flag(help: "Print the answers as JSON.")
    var json = false
}
