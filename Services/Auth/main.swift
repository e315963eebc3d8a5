import ServiceRuntime

// Auth: accounts, sessions, tokens, API keys, roles. This version serves health on its schema.
await ServiceMain.run(ServiceCatalog.auth, migrations: AuthSchema.migrations)
