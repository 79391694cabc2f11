using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ModelGateway.Hosting;

namespace ModelGateway.UnitTests.Hosting;

/// <summary>What the gateway's configuration validator says about settings, with only the features a test adds.</summary>
internal static class ConfigurationProblems
{
    public static IReadOnlyList<string> Of(Dictionary<string, string?> settings, Action<IServiceCollection> addFeatures) =>
        Of(new ConfigurationBuilder().AddInMemoryCollection(settings).Build(), addFeatures);

    public static IReadOnlyList<string> OfJson(string json, Action<IServiceCollection> addFeatures) =>
        Of(new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build(), addFeatures);

    private static IReadOnlyList<string> Of(IConfiguration configuration, Action<IServiceCollection> addFeatures)
    {
        var services = new ServiceCollection().AddSingleton(configuration).AddLogging();
        addFeatures(services);
        services.AddSingleton<GatewayConfigValidator>();
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<GatewayConfigValidator>().Validate(configuration);
    }
}
