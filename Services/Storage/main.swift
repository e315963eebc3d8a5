import ServiceRuntime

// Storage: blobs, uploads, quotas, downloads. This version serves health on its schema.
await ServiceMain.run(ServiceCatalog.storage, migrations: StorageSchema.migrations)
