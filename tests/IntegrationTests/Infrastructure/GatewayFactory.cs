using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using ModelGateway.Hosting;

namespace ModelGateway.IntegrationTests.Infrastructure;

/// <summary>
/// The real gateway (Program, the shipped config/ files) with test settings layered over it: two API keys, loopback
/// fakes allowed unless a test turns that off. Logs go nowhere unless a test passes a <paramref name="logs"/> provider.
/// </summary>
public sealed class GatewayFactory(IReadOnlyDictionary<string, string?>? settings = null, ILoggerProvider? logs = null)
    : WebApplicationFactory<Program>
{
    // Each gateway's own library directory (Library:Path), unless the test names one: never the repository's data/.
    private readonly string _library = Path.Combine(Path.GetTempPath(), "gateway-library-" + Guid.NewGuid().ToString("N"));

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static Dictionary<string, string?> DefaultSettings() => new()
    {
        ["ApiKeys:0:Name"] = "default-team",
        ["ApiKeys:0:KeySha256"] = TestKeys.Sha256Hex(TestKeys.Default),
        ["ApiKeys:1:Name"] = "strict-team",
        ["ApiKeys:1:KeySha256"] = TestKeys.Sha256Hex(TestKeys.Strict),
        ["ApiKeys:1:Policy"] = "strict",
        ["Egress:AllowPrivateNetworks"] = "true",
        ["Egress:TimeoutSeconds"] = "5",
        // Tests send many requests with one key; the rate-limiting tests set their own limits.
        ["RateLimiting:PermitLimit"] = "100000",
    };

    /// <summary>
    /// Starts the gateway with <paramref name="settings"/>, which must fail on its configuration: that failure, however
    /// the host that ran Program wrapped it.
    /// </summary>
    internal static GatewayConfigurationException StartupFailure(IReadOnlyDictionary<string, string?> settings)
    {
        using var gateway = new GatewayFactory(settings);
        var exception = Record.Exception(() => gateway.CreateClient());
        Assert.NotNull(exception);
        var failure = ConfigurationFailure(exception);
        Assert.True(failure is not null, $"Not a configuration failure: {exception}");
        return failure;
    }

    /// <summary>A client whose requests carry <paramref name="apiKey"/> (none when null).</summary>
    public HttpClient CreateClient(string? apiKey)
    {
        var client = CreateClient();
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Add("X-API-Key", apiKey);
        }
        return client;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseContentRoot(RepositoryRoot);
        builder.UseEnvironment("Testing");
        builder.ConfigureLogging(logging =>
        {
            logging.ClearProviders();
            if (logs is not null)
            {
                logging.AddProvider(logs);
            }
        });
        var merged = DefaultSettings();
        merged["Library:Path"] = _library;
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            merged[key] = value;
        }
        builder.ConfigureAppConfiguration(configuration => configuration.AddInMemoryCollection(merged));
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        try
        {
            if (Directory.Exists(_library))
            {
                Directory.Delete(_library, recursive: true);
            }
        }
        catch (IOException)
        {
            // a leftover temp folder is harmless
        }
    }

    private static GatewayConfigurationException? ConfigurationFailure(Exception exception) => exception switch
    {
        GatewayConfigurationException failure => failure,
        AggregateException aggregate => aggregate.InnerExceptions.Select(ConfigurationFailure).FirstOrDefault(f => f is not null),
        { InnerException: { } inner } => ConfigurationFailure(inner),
        _ => null,
    };

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Proxy.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Proxy.sln not found above " + AppContext.BaseDirectory);
    }
}
