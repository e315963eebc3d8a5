import ServiceRuntime

// Jobs: the durable queue, jobs, batches, workers. This version serves health on its schema.
await ServiceMain.run(ServiceCatalog.jobs, migrations: JobsSchema.migrations)
