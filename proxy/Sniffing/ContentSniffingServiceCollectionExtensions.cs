using ModelGateway.Sniffing;

namespace Microsoft.Extensions.DependencyInjection;

public static class ContentSniffingServiceCollectionExtensions
{
    /// <summary><see cref="ContentInspector"/> and <c>Policy:VerifyContent</c>.</summary>
    public static IServiceCollection AddContentSniffing(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<ContentSniffingOptions>()
            .BindConfiguration(ContentSniffingOptions.SectionName)
            .Validate<IConfiguration>(
                (_, configuration) => !configuration.GetSection("PolicyProfiles").GetChildren().Any(p => p["VerifyContent"] is not null),
                "PolicyProfiles:<name>:VerifyContent is not supported: VerifyContent is global (facts are cached per URL for every caller); set Policy:VerifyContent.")
            .ValidateOnStart();
        services.AddTransient<ContentInspector>();
        return services;
    }
}
