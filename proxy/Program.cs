using ModelGateway.Hosting;

// Serve, or run one admin command (validate-config, hash-key, healthcheck <url>, create-ca <dir>).
return await GatewayCommandLine.RunAsync(args);

/// <summary>The entry point, visible to WebApplicationFactory in the integration tests.</summary>
public partial class Program;
