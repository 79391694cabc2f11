namespace ModelGateway.Primitives;

/// <summary>
/// A configuration provider that merges sources of its own (the <c>config/</c> files, later ones winning): which of them
/// set a key or any key below it. Validators use it to tell the layers of one setting apart.
/// </summary>
internal interface IMergedConfigurationProvider
{
    /// <summary>The names of this provider's sources that set <paramref name="path"/> or a key below it, in their order.</summary>
    IReadOnlyList<string> SourcesOf(string path);
}

/// <summary>Which layers of a configuration set a section: each provider, or each source of one that merges several.</summary>
internal static class ConfigurationLayers
{
    /// <summary>
    /// The layers of <paramref name="configuration"/> that set <paramref name="path"/> or a key below it, named for a
    /// problem message (a file's name, the environment, the command line); empty when it is no configuration root.
    /// </summary>
    public static IReadOnlyList<string> Setting(IConfiguration configuration, string path)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(path);
        if (configuration is not IConfigurationRoot root)
        {
            return [];
        }
        var layers = new List<string>();
        foreach (var provider in root.Providers)
        {
            if (provider is IMergedConfigurationProvider merged)
            {
                layers.AddRange(merged.SourcesOf(path));
            }
            else if (provider.TryGet(path, out var value) && !string.IsNullOrEmpty(value) || provider.GetChildKeys([], path).Any())
            {
                layers.Add(Describe(provider));
            }
        }
        // The host adds the environment (and the command line) more than once: one source, however many providers read it,
        // listed where it last takes effect (the list goes from the lowest layer to the highest). Other providers are
        // layers of their own even when they share a name.
        return layers.Where((layer, i) => !IsSharedSource(layer) || layers.LastIndexOf(layer) == i).ToList();
    }

    private static bool IsSharedSource(string layer) => layer is EnvironmentVariables or CommandLine;

    private const string EnvironmentVariables = "the environment variables";
    private const string CommandLine = "the command line";

    private static string Describe(IConfigurationProvider provider)
    {
        var name = provider.ToString() ?? provider.GetType().Name;
        return name.Contains("EnvironmentVariables", StringComparison.Ordinal) ? EnvironmentVariables
            : name.Contains("CommandLine", StringComparison.Ordinal) ? CommandLine
            : name;
    }
}
