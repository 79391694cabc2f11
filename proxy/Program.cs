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
catch (Exception ex) when (StartupErrors.TryDescribe(ex, out var problems))
{
    await Console.Error.WriteLineAsync($"The gateway's configuration is invalid ({problems.Count} problem(s)):");
    foreach (var problem in problems)
    {
        await Console.Error.WriteLineAsync($"  - {problem}");
    }
    return 1;
}

/// <summary>The entry point, visible to WebApplicationFactory in the integration tests.</summary>
public partial class Program;
