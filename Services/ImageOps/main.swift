import ServiceRuntime

// ImageOps: stateless pixel operations on libvips.
await ServiceMain.run(ServiceCatalog.imageOps, registerHandlers: { router, context in
    try ImageOpsHandlers(configuration: ImageOpsConfiguration(context.configuration)).register(in: &router)
})
