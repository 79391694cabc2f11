using ModelGateway.Primitives;

namespace ModelGateway.Sources;

/// <summary>
/// The keys every <c>Sources:&lt;name&gt;</c> section shares, named sources and unknown sections alike: a malformed
/// <c>BaseUrl</c> would otherwise be ignored silently (the egress trust list and the BaseUrl rule skip what does not
/// parse) and probes would go to the public host instead. Named sources check their own extra keys themselves.
/// </summary>
internal sealed class SourcesConfigValidator : IFeatureConfigValidator
{
    public void Validate(IConfiguration configuration, IList<string> problems)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(problems);
        foreach (var section in configuration.GetSection("Sources").GetChildren())
        {
            var source = new SourceOptions();
            if (ConfigBinding.TryBind(section, source, problems))
            {
                foreach (var problem in source.Validate(section.Path))
                {
                    problems.Add(problem);
                }
            }
        }
    }
}
