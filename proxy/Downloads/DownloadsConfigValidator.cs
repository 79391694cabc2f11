using ModelGateway.Forwarding;
using ModelGateway.Primitives;
using ModelGateway.Sources.CivitAi;
using ModelGateway.Sources.HuggingFace;

namespace ModelGateway.Downloads;

/// <summary>
/// <c>Downloads</c> (ranges), and every route's <c>Metadata:EnforcePolicy</c>: <c>true</c> or <c>false</c>, and
/// <c>true</c> only on a route whose cluster is a named source's (CivitAI, Hugging Face): the gateway knows which requests
/// of those are file downloads, and a route that asks for enforcement it cannot give must not start silently unenforced.
/// </summary>
internal sealed class DownloadsConfigValidator : IFeatureConfigValidator
{
    public void Validate(IConfiguration configuration, IList<string> problems)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(problems);
        var options = new DownloadOptions();
        if (ConfigBinding.TryBind(configuration.GetSection(DownloadOptions.SectionName), options, problems))
        {
            if (options.IdleTimeoutSeconds is < 1 or > DownloadOptions.MaxIdleTimeoutSeconds)
            {
                problems.Add($"{DownloadOptions.SectionName}:IdleTimeoutSeconds must be between 1 and {DownloadOptions.MaxIdleTimeoutSeconds} seconds.");
            }
            if (options.MaxConcurrentPerKey is < 1 or > DownloadOptions.MaxConcurrentPerKeyLimit)
            {
                problems.Add($"{DownloadOptions.SectionName}:MaxConcurrentPerKey must be between 1 and {DownloadOptions.MaxConcurrentPerKeyLimit}.");
            }
        }
        ValidateRoutes(configuration, problems);
    }

    private static void ValidateRoutes(IConfiguration configuration, IList<string> problems)
    {
        var proxy = configuration.GetSection(ReverseProxyConfigValidator.SectionName);
        foreach (var route in proxy.GetSection("Routes").GetChildren())
        {
            var key = $"{route.Path}:Metadata:{EnforcedRouteDownloads.MetadataKey}";
            var value = configuration[key];
            if (value is null)
            {
                continue;
            }
            if (!bool.TryParse(value, out var enforced))
            {
                problems.Add($"{key} must be true or false, not \"{value}\".");
                continue;
            }
            if (!enforced)
            {
                continue;
            }
            var cluster = route["ClusterId"];
            var destinations = string.IsNullOrEmpty(cluster)
                ? []
                : proxy.GetSection($"Clusters:{cluster}:Destinations").GetChildren().Select(d => d["Address"]).ToArray();
            var civitAi = new CivitAiOptions();
            var huggingFace = new HuggingFaceOptions();
            var unused = new List<string>(); // the sources' own validators report their binding problems
            if (destinations.Length == 0
                || !ConfigBinding.TryBind(configuration.GetSection(CivitAiOptions.SectionName), civitAi, unused)
                || !ConfigBinding.TryBind(configuration.GetSection(HuggingFaceOptions.SectionName), huggingFace, unused)
                || RouteSources.Find(destinations, civitAi, huggingFace) is null)
            {
                problems.Add($"{key} is true, but the destinations of cluster \"{cluster}\" are not all on one named source's hosts "
                    + "(Sources:CivitAI or Sources:HuggingFace, Hosts or BaseUrl): policy is enforced on CivitAI and Hugging Face routes only.");
            }
        }
    }
}
