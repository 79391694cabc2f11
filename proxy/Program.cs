using ModelGateway.Hosting;

try
{
    var builder = WebApplication.CreateBuilder(args);
    builder.AddGatewayConfiguration(args).AddGatewayLogging();
    builder.Services.AddGateway(builder.Configuration);

    var app = builder.Build();
    app.MapGateway();
    await app.RunAsync();
    return 0;
}
// As its own process the gateway prints the list and exits 1; another host (WebApplicationFactory) gets the exception.
catch (GatewayConfigurationException ex) when (System.Reflection.Assembly.GetEntryAssembly() == typeof(Program).Assembly)
{
    await Console.Error.WriteLineAsync($"The gateway's configuration is invalid ({ex.Problems.Count} problem(s)):");
    foreach (var problem in ex.Problems)
    {
        await Console.Error.WriteLineAsync($"  - {problem}");
    }
    return 1;
}

/// <summary>The entry point, visible to WebApplicationFactory in the integration tests.</summary>
public partial class Program;
