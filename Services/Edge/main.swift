import ServiceRuntime

// Edge: the only public door. HTTP/JSON for browsers and scripts; RPC health like every service.
await ServiceMain.run(ServiceCatalog.edge, extraServices: { context in
    [try EdgeHTTPServer.make(context)]
})
