import ServiceRuntime

// ImageOps: stateless pixel operations on libvips. Handlers: ImageOpsHandlers.swift.
await ServiceMain.run(ServiceCatalog.imageOps, registerHandlers: { router, context in
    try ImageOpsHandlers(configuration: ImageOpsConfiguration(context.configuration), logger: context.logger).register(in: &router)
})
