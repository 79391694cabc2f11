using Microsoft.Extensions.DependencyInjection.Extensions;
using ModelGateway.LibraryPage;

namespace Microsoft.Extensions.DependencyInjection;

internal static class LibraryPageServiceCollectionExtensions
{
    /// <summary>The <c>/library</c> page's embedded files.</summary>
    public static IServiceCollection AddLibraryPage(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<LibraryPageFiles>();
        return services;
    }
}
